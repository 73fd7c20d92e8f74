// `barge agent`: serves endpoints of this host on the data plane. Without --coordinator
// it is a lone agent: clients holding its token push to it (`barge sync SRC
// barge://HOST:PORT/ENDPOINT/path`). On SIGINT/SIGTERM it stops accepting and closes its
// sessions (whole files in flight are removed; partial large files stay for a resume).
import { BARGE_VERSION } from './barge-version.js';
import type { Logger } from 'pino';
import { rootSwapWarning } from '../storage/posix/root-ancestors.js';
import * as fs from 'node:fs';
import { BargeError } from '../core/errors.js';
import { isHashName } from '../core/sync-options.js';
import { createHasher } from '../engine/hasher.js';
import { posixEndpoint } from '../storage/posix/posix-kind.js';
import { openStorage, type EndpointDescription } from '../storage/registry.js';
import { DataServer, type ServedEndpoint } from '../transport/data-server.js';
import type { MetricsServer } from '../agent/agent-metrics.js';
import type { KeyObject } from 'node:crypto';
import { parseCount } from '../core/units.js';
import { parseListen } from '../config/parse-values.js';
import { startLeasing, type Leasing } from '../agent/enrolled-agent.js';
import { agentHealth } from '../agent/agent-health.js';
import { testHooks } from '../config/test-hooks.js';
import { defaultTransfers } from './parse-sync-flags.js';
import { readAgentToken } from './agent-token.js';
import { listenFailure, startingUp } from './start-up-failure.js';
import { readCa } from './client/client-options.js';
import { hostname } from 'node:os';
import { createServiceLogger, logWarnings, resolveLogFormat, resolveLogLevel } from './service-log.js';
import { interruptSignal } from './interrupt-signal.js';

export interface AgentFlags {
  coordinator?: string;
  advertise?: string;
  transfers?: string;
  tokenFile?: string;
  site?: string;
  name?: string;
  endpoint: string[];
  dataListen?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  metricsListen?: string;
  logFormat?: string;
}

/** NAME=/path, read-only, or NAME=/path:rw */
export function parseEndpointFlag(text: string): { name: string; path: string; write: boolean } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new BargeError('E_USAGE', `--endpoint '${text}': expected NAME=/path or NAME=/path:rw`);
  const name = text.slice(0, eq);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new BargeError('E_USAGE', `--endpoint '${text}': the name may hold letters, digits, '_', '.', '-'`);
  let path = text.slice(eq + 1);
  let write = false;
  if (path.endsWith(':rw')) { write = true; path = path.slice(0, -3); } else if (path.endsWith(':ro')) path = path.slice(0, -3);
  let st: fs.Stats | undefined;
  try { st = fs.statSync(path); } catch { st = undefined; }
  if (!st?.isDirectory()) throw new BargeError('E_USAGE', `--endpoint ${name}: '${path}' is not a directory`);
  return { name, path: fs.realpathSync(path), write };
}

interface Running {
  lone: boolean;
  server: DataServer;
  leasing: Leasing | undefined;
  metrics: MetricsServer | undefined;
}

export async function agentCommand(flags: AgentFlags): Promise<void> {
  const format = resolveLogFormat(flags.logFormat, process.env, process.stderr.isTTY === true);
  const log = createServiceLogger('agent', format, resolveLogLevel(process.env));
  logWarnings(log);
  const say = (line: string): void => log.info(line);
  // a failure to start is one line and exit code 2 (the operator's to fix), never a stack
  const { lone, server, leasing, metrics } = await startingUp('agent', format, () => startAgent(flags, log));
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      say(lone ? 'stopping: closing sessions' : 'stopping: no new leases; finishing the tasks in flight');
      void (leasing?.stop() ?? Promise.resolve()).catch((e: unknown) => log.warn(`while stopping: ${e instanceof Error ? e.message : String(e)}`))
        .then(() => server.close()).then(() => metrics?.close()).then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function readPem(file: string, flag: string): Buffer {
  try { return fs.readFileSync(file); } catch (e) {
    throw new BargeError('E_USAGE', `cannot read ${flag} '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function startAgent(flags: AgentFlags, log: Logger): Promise<Running> {
  const say = (line: string): void => log.info(line);
  if (flags.endpoint.length === 0) throw new BargeError('E_USAGE', 'give at least one --endpoint NAME=/path[:rw]');
  const token = readAgentToken(flags.tokenFile);
  const served = new Map<string, EndpointDescription>();
  const endpoints = new Map<string, ServedEndpoint>();
  const lone = flags.coordinator === undefined;
  for (const e of flags.endpoint.map(parseEndpointFlag)) {
    if (served.has(e.name)) throw new BargeError('E_USAGE', `--endpoint ${e.name} is given twice`);
    const here = posixEndpoint(e.path);
    served.set(e.name, here);
    const loose = rootSwapWarning(`endpoint ${e.name}`, e.path);
    if (loose !== undefined) log.warn(loose);
    // under a coordinator, whether an endpoint may be written is the coordinator's to say (at enrolment)
    if (lone) endpoints.set(e.name, { storage: openStorage(here, { forAgent: true }), write: e.write });
  }
  const grantKeys: KeyObject[] = [];
  const listen = parseListen(flags.dataListen ?? '0.0.0.0:7701', '--data-listen');
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new BargeError('E_USAGE', '--tls-cert and --tls-key go together');
  const tls = flags.tlsCert !== undefined && flags.tlsKey !== undefined
    ? { cert: readPem(flags.tlsCert, '--tls-cert'), key: readPem(flags.tlsKey, '--tls-key') } : undefined;
  if (flags.tlsCa !== undefined && lone) throw new BargeError('E_USAGE', '--tls-ca is for an agent under a coordinator (--coordinator): a lone agent connects to nothing');
  const ca = lone ? undefined : readCa(flags.tlsCa, process.env.BARGE_CA);
  const name = flags.name ?? hostname();
  // under a coordinator, grants can be checked once enrolment brought the key and the endpoints
  let enrolled: { resolve(): void; reject(e: unknown): void } | undefined;
  const ready = lone ? undefined : new Promise<void>((resolve, reject) => { enrolled = { resolve, reject }; });
  ready?.catch(() => undefined); // a failed enrolment ends the command; sessions waiting on it fail with it
  const server = new DataServer({
    agent: name, endpoints, tokens: lone ? [token] : [], grantKeys, ...(ready ? { ready } : {}),
    hashes: (h) => (isHashName(h) ? createHasher(h) : undefined),
    ...(tls ? { tls } : {}),
    // a session opened is news; a refused peer, a protocol error or bytes that hash wrong are warnings
    onEvent: (e) => {
      if (e.event === 'closed') return;
      const line = `${e.event} ${e.peer}${e.detail ? `: ${e.detail}` : ''}`;
      if (e.event === 'session') log.info({ peer: e.peer }, line);
      else log.warn({ peer: e.peer, event: e.event }, line);
    },
  });
  let addr;
  try { addr = await server.listen(listen.host, listen.port); } catch (e) {
    throw new BargeError('E_USAGE', `--data-listen: ${listenFailure(listen.host, listen.port, e, 'another barge agent? pick another --data-listen')}`);
  }
  let leasing: Leasing | undefined;
  let metrics: MetricsServer | undefined;
  if (flags.metricsListen !== undefined) {
    const m = parseListen(flags.metricsListen, '--metrics-listen');
    // prom-client loads only when asked for
    const { agentMetricsRegistry, serveMetrics } = await import('../agent/agent-metrics.js');
    try {
      const health = (): ReturnType<typeof agentHealth> => agentHealth(lone ? undefined : () => leasing?.contact(), Date.now());
      metrics = await serveMetrics(agentMetricsRegistry(() => server.stats(), lone ? undefined : () => leasing?.stats()), m.host, m.port, health);
    } catch (e) {
      await server.close();
      throw new BargeError('E_USAGE', `--metrics-listen: ${listenFailure(m.host, m.port, e, 'pick another --metrics-listen')}`);
    }
  }
  if (!lone) {
    const advertise = flags.advertise ?? (addr.host === '0.0.0.0' || addr.host === '::' ? `${hostname()}:${addr.port}` : `${addr.host}:${addr.port}`);
    parseListen(advertise, '--advertise');
    // SIGINT or SIGTERM while the coordinator is not up yet ends the wait (and the command)
    const interrupt = interruptSignal();
    try {
      leasing = await startLeasing({
        coordinator: flags.coordinator as string, token, name, site: flags.site ?? 'default', served, endpoints, grantKeys,
        dataAddress: advertise, dataTls: tls !== undefined, ...(ca === undefined ? {} : { ca }), threads: flags.transfers === undefined ? defaultTransfers() : parseCount(flags.transfers, '--transfers', 1), log,
        taskDelayMs: testHooks()?.taskDelayMs ?? 0, signal: interrupt.signal, version: BARGE_VERSION,
      });
      interrupt.release();
    } catch (e) {
      interrupt.release();
      enrolled?.reject(e);
      await server.close();
      await metrics?.close();
      throw e;
    }
    enrolled?.resolve();
  }
  const list = [...endpoints.entries()].map(([n, e]) => `${n}${e.write ? ' (rw)' : ' (ro)'}`).join(', ');
  say(`${name}${flags.site === undefined ? '' : ` at site ${flags.site}`} listening on ${addr.host}:${addr.port}${tls ? ' (TLS)' : ''}, endpoints ${list}${lone ? '' : `, leasing from ${flags.coordinator}`}${metrics ? `; metrics at http://${metrics.host}:${metrics.port}/metrics` : ''}`);
  return { lone, server, leasing, metrics };
}
