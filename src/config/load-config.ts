// Loads the configuration of `barge serve`: each setting comes from the first of flags, environment
// (BARGE_*), config file and default that gives it; anything wrong is refused with E_CONFIG.
import path from 'node:path';
import { configError } from './config-error.js';
import { checkName, isLoopback, parseBoolText, parseDb, parseDir, parseDuration, parseListen,
  parseWholeNumber } from './parse-values.js';
import { readFileSettings } from './read-file-settings.js';
import { readTls } from './read-tls.js';
import { inboxConfig } from './read-inbox.js';
import type { EndpointDescription } from '../storage/registry.js';
import { DEFAULT_AGENT_PRUNE_MS, DEFAULT_AGENT_WAIT_MS, DEFAULT_LEASE_TIMEOUT_MS, DEFAULT_LISTEN, DEFAULT_RETRY, MAX_TRANSFERS, SQLITE_FILE_NAME, defaultName,
  defaultStateDir, defaultTransfers, type ConfigFlags, type DbConfig, type EndpointConfig,
  type ServiceConfig, type SiteConfig } from './service-config.js';

export type { ConfigFlags, ServiceConfig } from './service-config.js';

export interface LoadConfigInput {
  /** The TOML file; without one every setting comes from the environment, the flags or the defaults. */
  file?: string;
  flags: ConfigFlags;
  env: NodeJS.ProcessEnv;
}

/** A setting's value and who set it, so that a check spanning two settings can name the right one. */
interface Setting<T> { value: T; where: string }

export function loadServiceConfig(input: LoadConfigInput): ServiceConfig {
  const { flags, env } = input;
  const file = input.file === undefined ? undefined : readFileSettings(input.file, env);
  // a relative --state-dir or BARGE_DB means what it would to a shell command: under the working directory
  const cwd = process.cwd();
  const pick = <T>(flagText: string | undefined, flagName: string, envName: string,
    parse: (text: string, where: string) => T, fromFile: T | undefined, tomlKey: string): Setting<T> | undefined => {
    if (flagText !== undefined) return { value: parse(flagText, flagName), where: flagName };
    const envText = env[envName];
    // an empty variable counts as unset, as `BARGE_DB= barge serve` means "no override"
    if (envText !== undefined && envText !== '') return { value: parse(envText, envName), where: envName };
    return fromFile === undefined ? undefined : { value: fromFile, where: `${input.file ?? ''}: ${tomlKey}` };
  };
  const boolFlag = (v: boolean | undefined): string | undefined => (v === undefined ? undefined : String(v));

  const name = pick(flags.name, '--name', 'BARGE_NAME', checkName, file?.name, 'name')?.value ?? defaultName();
  const listen = pick(flags.listen, '--listen', 'BARGE_LISTEN', parseListen, file?.listen, 'listen')?.value ?? { ...DEFAULT_LISTEN };
  const stateDir = pick(flags.stateDir, '--state-dir', 'BARGE_STATE_DIR', (t, w) => parseDir(t, w, cwd), file?.stateDir, 'state_dir')
    ?.value ?? defaultStateDir(env);
  const db: DbConfig = pick(flags.db, '--db', 'BARGE_DB', (t, w) => parseDb(t, w, cwd), file?.db, 'db')?.value
    ?? { kind: 'sqlite', path: path.join(stateDir, SQLITE_FILE_NAME) };
  const localAgent = pick(boolFlag(flags.localAgent), flags.localAgent === false ? '--no-local-agent' : '--local-agent',
    'BARGE_LOCAL_AGENT', parseBoolText, file?.localAgent, 'local_agent')?.value ?? true;
  const transfers = pick(flags.transfers, '--transfers', 'BARGE_TRANSFERS', (t, w) => parseWholeNumber(t, w, 1, MAX_TRANSFERS),
    file?.transfers, 'transfers')?.value ?? defaultTransfers();
  const leaseTimeoutMs = pick(flags.leaseTimeout, '--lease-timeout', 'BARGE_LEASE_TIMEOUT', parseDuration,
    file?.leaseTimeoutMs, 'lease_timeout')?.value ?? DEFAULT_LEASE_TIMEOUT_MS;
  const agentWaitMs = pick(flags.agentWait, '--agent-wait', 'BARGE_AGENT_WAIT', parseDuration,
    file?.agentWaitMs, 'agent_wait')?.value ?? DEFAULT_AGENT_WAIT_MS;
  const agentPruneMs = pick(flags.agentPrune, '--agent-prune', 'BARGE_AGENT_PRUNE', parseDuration,
    file?.agentPruneMs, 'agent_prune')?.value ?? DEFAULT_AGENT_PRUNE_MS;
  const auth = pick(boolFlag(flags.auth), flags.auth === false ? '--no-auth' : '--auth', 'BARGE_AUTH', parseBoolText,
    file?.auth, 'auth') ?? { value: true, where: 'auth' };
  checkAuthOff(auth, listen.host);
  const tlsFile = (flag: string | undefined, flagName: string, envName: string, key: 'cert' | 'key' | 'ca'): Setting<string> | undefined =>
    pick(flag, flagName, envName, (t, w) => parseDir(t, w, cwd), file?.tls?.[key], `tls.${key}`);
  const tls = readTls(tlsFile(flags.tlsCert, '--tls-cert', 'BARGE_TLS_CERT', 'cert'), tlsFile(flags.tlsKey, '--tls-key', 'BARGE_TLS_KEY', 'key'),
    tlsFile(flags.tlsCa, '--tls-ca', 'BARGE_TLS_CA', 'ca'));
  const inboxDir = pick(flags.inbox, '--inbox', 'BARGE_INBOX', (t, w) => parseDir(t, w, cwd), undefined, 'inbox.path')?.value;
  const inbox = inboxConfig(inboxDir, file?.inbox, input.file ?? '');

  return {
    file: input.file === undefined ? undefined : path.resolve(input.file),
    name,
    listen,
    db,
    stateDir,
    localAgent,
    transfers,
    leaseTimeoutMs,
    agentWaitMs,
    agentPruneMs,
    auth: auth.value,
    retry: file?.retry ?? { ...DEFAULT_RETRY },
    sites: file?.sites ?? new Map<string, SiteConfig>(),
    endpoints: file?.endpoints ?? new Map<string, EndpointConfig>(),
    endpointStorage: file?.endpointStorage ?? new Map<string, EndpointDescription>(),
    tokens: file?.tokens ?? [],
    tls,
    ...(inbox === undefined ? {} : { inbox }),
    ...(file?.planRate === undefined ? {} : { planRate: file.planRate }),
    ...(file?.trustProxy === undefined ? {} : { trustProxy: file.trustProxy }),
  };
}

// without auth anyone who reaches the port may move and delete data, so only this host may reach it
function checkAuthOff(auth: Setting<boolean>, host: string): void {
  if (auth.value || isLoopback(host)) return;
  throw configError(auth.where,
    `auth may be off only when listen is a loopback address (127.0.0.1, ::1 or localhost), and listen host is ${host}`);
}
