// The settings the config file gives, checked key by key; keys left out stay undefined, so that
// the environment, the flags and the defaults can fill them in (load-config.ts).
import path from 'node:path';
import { configError } from './config-error.js';
import { checkName, parseDb, parseDir, parseListen, parseProxyAddress } from './parse-values.js';
import type { EndpointDescription } from '../storage/registry.js';
import { readSitesAndEndpoints } from './read-endpoints.js';
import { readTokens } from './read-tokens.js';
import { readTomlFile } from './read-toml-file.js';
import { DEFAULT_RETRY, MAX_TRANSFERS, type DbConfig, type EndpointConfig, type ListenAddress, type RetryConfig,
  type SiteConfig, type TokenConfig } from './service-config.js';
import { TableReader } from './toml-table.js';
import { readTlsTable, type TlsFiles } from './read-tls.js';
import { readInboxTable, type InboxTable } from './read-inbox.js';

function optional<K extends string, T>(key: K, value: T | undefined): { [k in K]?: T } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: T };
}

export interface FileSettings {
  name?: string;
  listen?: ListenAddress;
  db?: DbConfig;
  stateDir?: string;
  localAgent?: boolean;
  transfers?: number;
  leaseTimeoutMs?: number;
  agentWaitMs?: number;
  agentPruneMs?: number;
  auth?: boolean;
  retry: RetryConfig;
  sites: Map<string, SiteConfig>;
  endpoints: Map<string, EndpointConfig>;
  endpointStorage: Map<string, EndpointDescription>;
  tokens: TokenConfig[];
  tls?: TlsFiles;
  inbox?: InboxTable;
  /** bytes/s a plan reckons a transfer at (plan_rate) */
  planRate?: number;
  /** the reverse proxies whose X-Forwarded-For names the client (trust_proxy) */
  trustProxy?: string[];
}

const TOP_KEYS = ['name', 'listen', 'db', 'state_dir', 'local_agent', 'transfers', 'lease_timeout', 'agent_wait', 'agent_prune', 'auth',
  'retry', 'sites', 'endpoints', 'tokens', 'tls', 'inbox', 'plan_rate', 'trust_proxy'];

/** Relative paths in the file (db, state_dir, secret_file) are taken from the file's directory, not the working directory. */
export function readFileSettings(file: string, env: NodeJS.ProcessEnv): FileSettings {
  const root = new TableReader(file, '', readTomlFile(file)).allowKeys(TOP_KEYS);
  const baseDir = path.dirname(path.resolve(file));
  const text = <T>(key: string, parse: (value: string, where: string) => T): T | undefined => {
    const value = root.string(key);
    return value === undefined ? undefined : parse(value, root.where(key));
  };
  return {
    name: text('name', checkName),
    listen: text('listen', parseListen),
    db: text('db', (v, where) => parseDb(v, where, baseDir)),
    stateDir: text('state_dir', (v, where) => parseDir(v, where, baseDir)),
    localAgent: root.boolean('local_agent'),
    transfers: root.integer('transfers', 1, MAX_TRANSFERS),
    leaseTimeoutMs: root.duration('lease_timeout'),
    agentWaitMs: root.duration('agent_wait'),
    agentPruneMs: root.duration('agent_prune'),
    auth: root.boolean('auth'),
    retry: readRetry(root),
    ...readSitesAndEndpoints(root),
    tokens: readTokens(root.tableArray('tokens') ?? [], env, baseDir),
    ...optional('tls', readTlsTable(root, baseDir)),
    ...optional('inbox', readInboxTable(root, baseDir)),
    ...optional('planRate', root.size('plan_rate')),
    ...optional('trustProxy', root.strings('trust_proxy')?.map((a) => parseProxyAddress(a, root.where('trust_proxy')))),
  };
}


function readRetry(root: TableReader): RetryConfig {
  const t = root.table('retry')?.allowKeys(['max_attempts', 'base_delay', 'max_delay']);
  if (t === undefined) return { ...DEFAULT_RETRY };
  const retry: RetryConfig = {
    maxAttempts: t.integer('max_attempts', 1, 1000) ?? DEFAULT_RETRY.maxAttempts,
    baseDelayMs: t.duration('base_delay') ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: t.duration('max_delay') ?? DEFAULT_RETRY.maxDelayMs,
  };
  if (retry.baseDelayMs > retry.maxDelayMs) {
    // blame the key the user wrote: with only base_delay given, max_delay is the default
    const key = t.has('max_delay') ? 'max_delay' : 'base_delay';
    throw configError(t.where(key), `base_delay (${retry.baseDelayMs} ms) is longer than max_delay (${retry.maxDelayMs} ms)`);
  }
  return retry;
}
