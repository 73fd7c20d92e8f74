// `barge serve`: loads the configuration, opens the state store, starts the coordinator's
// loops, the built-in agent and the HTTP server; on SIGINT/SIGTERM stops leasing, lets
// the tasks in flight finish and closes everything.
import { BARGE_VERSION } from './barge-version.js';
import type { Logger } from 'pino';
import { rootSwapWarning } from '../storage/posix/root-ancestors.js';
import * as fs from 'node:fs';
import { BargeError, ERROR_CODES } from '../core/errors.js';
import type { LogSink } from '../core/log-sink.js';
import { LeaseLoop } from '../agent/lease-loop.js';
import { AGENT_PROTOCOL, builtInAgentName } from '../core/agent-wire.js';
import { EndpointRootsRunner } from '../agent/endpoint-roots-runner.js';
import { withTaskDelay } from '../agent/delayed-job-runner.js';
import { testHooks } from '../config/test-hooks.js';
import { loadServiceConfig, type ConfigFlags } from '../config/load-config.js';
import { isLoopback } from '../config/parse-values.js';
import type { ServiceConfig } from '../config/service-config.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { PosixStorage } from '../storage/posix/posix-storage.js';
import { buildServer } from '../server/app.js';
import { WorkerJobRunner } from '../agent/worker-job-runner.js';
import { watchAgentPresence } from './agent-presence-log.js';
import { interruptSignal } from './interrupt-signal.js';
import { openStateStore } from './open-state-store.js';
import { repeatLimited } from './repeat-limited.js';
import { logRequestChanges } from './request-log.js';
import { createServiceLogger, logWarnings, resolveLogFormat, resolveLogLevel } from './service-log.js';
import { listenFailure, startingUp } from './start-up-failure.js';
import type { StateStore } from '../state/state-store.js';
import type { Inbox } from '../coordinator/inbox/inbox.js';
import { startInbox } from './serve-inbox.js';


/** test set-up's count of which agent leased which task: "taskId agentId" lines */
function taskLogWriter(file: string): (agentId: string, work: readonly { taskId: number }[]) => void {
  return (agentId, work) => fs.appendFileSync(file, work.map((w) => `${w.taskId} ${agentId}\n`).join(''));
}

/** a configuration file that holds token secrets and that other users can read: said at start (not refused: it is the operator's file) */
function exposedSecrets(file: string | undefined, tokens: number): string | undefined {
  if (file === undefined || tokens === 0) return undefined;
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  return `warning: ${file} holds ${tokens} token secret(s) and other users can read it (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 ${file}`;
}

function checkEndpoints(c: ServiceConfig, log: LogSink): void {
  for (const e of c.endpoints.values()) {
    if (e.kind !== 'posix') continue; // other kinds are checked by their storage when used
    if (e.localAgent === false) continue; // on agents' hosts, not this one
    let st: fs.Stats | undefined;
    try { st = fs.statSync(e.path); } catch { st = undefined; }
    const where = c.file ?? 'configuration';
    if (!st) throw new BargeError('E_CONFIG', `${where}: endpoints.${e.name}.path: ${e.path} does not exist`);
    if (!st.isDirectory()) throw new BargeError('E_CONFIG', `${where}: endpoints.${e.name}.path: ${e.path} is not a directory`);
    const loose = rootSwapWarning(`endpoint ${e.name}`, e.path);
    if (loose !== undefined) log.warn({ endpoint: e.name }, loose);
  }
}

interface Started {
  store: StateStore;
  coordinator: Coordinator;
  agent: LeaseLoop | undefined;
  app: Awaited<ReturnType<typeof buildServer>>;
  stopPresence: () => void;
  inbox: Inbox | undefined;
}

export async function serveCommand(file: string | undefined, logFormat: string | undefined, flags: ConfigFlags): Promise<void> {
  const format = resolveLogFormat(logFormat, process.env, process.stderr.isTTY === true);
  const log = createServiceLogger('serve', format, resolveLogLevel(process.env));
  logWarnings(log);
  // a failure to start is one line and exit code 2 (the operator's to fix), never a stack
  const started = await startingUp('serve', format, () => start(file, flags, log));
  await untilSignalled(started, log);
}

async function start(file: string | undefined, flags: ConfigFlags, log: Logger): Promise<Started> {
  const say = (line: string): void => log.info(line);
  const config = loadServiceConfig({ file, flags, env: process.env });
  // without the built-in agent, endpoints live on the agents' hosts, not necessarily here
  if (config.localAgent) checkEndpoints(config, log);
  const exposed = exposedSecrets(config.file, config.tokens.length);
  if (exposed !== undefined) log.warn({ file: config.file }, exposed);
  // SIGINT or SIGTERM while the database is not up yet ends the wait (and the command)
  const interrupt = interruptSignal();
  const { store, where } = await openStateStore(config, log, interrupt.signal).finally(() => interrupt.release());
  const hooks = testHooks();
  const coordinator = new Coordinator(store, config, (abs) => new PosixStorage(abs), {
    ...(hooks?.taskLog !== undefined ? { onLeased: taskLogWriter(hooks.taskLog) } : {}),
    ...(hooks?.chunkCutoff !== undefined ? { chunkCutoff: hooks.chunkCutoff } : {}),
  });
  coordinator.onError(repeatLimited(log, 'coordinator'));
  logRequestChanges(coordinator, log);
  const stopPresence = watchAgentPresence({ agents: () => coordinator.agents(), coordinator: config.name, leaseMs: config.leaseTimeoutMs, log });
  coordinator.start();

  let agent: LeaseLoop | undefined;
  if (config.localAgent) {
    const id = builtInAgentName(config.name);
    const { link, released } = await coordinator.enrolBuiltIn({
      name: id, site: [...config.endpoints.values()][0]?.site ?? 'local', endpoints: [...config.endpoints.values()].filter((e) => e.localAgent !== false).map((e) => e.name), slots: config.transfers,
      protocol: AGENT_PROTOCOL, version: BARGE_VERSION,
    });
    if (released > 0) say(`${released} task(s) held by the previous run of ${id} are queued again`);
    agent = new LeaseLoop(link, {
      // twice the threads: a task waits at each thread while the one before it is reported
      id, slots: config.transfers * 2, pollMs: 200, heartbeatMs: Math.max(200, Math.floor(config.leaseTimeoutMs / 3)),
      runner: withTaskDelay(new EndpointRootsRunner(new WorkerJobRunner(config.transfers, config.tls?.ca), config.endpointStorage), hooks?.taskDelayMs ?? 0),
      log: log.child({ agent: id }), peer: 'the database',
    });
    agent.start();
  }

  const app = await buildServer({
    api: coordinator, tokens: config.tokens, auth: config.auth, version: BARGE_VERSION, logger: log, ...(config.tls?.server ? { https: config.tls.server } : {}),
    ...(config.trustProxy ? { trustProxy: config.trustProxy } : {}),
  });
  // fastify logs each address it listens on: that line is the start-up line
  try {
    await app.listen({
      host: config.listen.host, port: config.listen.port,
      listenTextResolver: (address) => `listening on ${address}; state in ${where}; ${config.endpoints.size} endpoint(s); ${agent ? `built-in agent with ${config.transfers} slots` : 'no built-in agent'}`,
    });
  } catch (e) {
    throw new BargeError('E_CONFIG', listenFailure(config.listen.host, config.listen.port, e, 'another barge serve? pick another --listen'));
  }
  let inbox: Inbox | undefined;
  try {
    inbox = await startInbox(config.inbox, coordinator, store, log, hooks);
  } catch (e) {
    throw new BargeError('E_CONFIG', `inbox: ${config.inbox?.path ?? ''}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!config.auth) log.warn('authentication is off (--no-auth); anyone who reaches this port may act');
  else if (!config.tls?.server && !isLoopback(config.listen.host)) log.warn('the API speaks plain HTTP: tokens cross the network in clear (give [tls] cert and key, or serve behind a TLS proxy)');
  return { store, coordinator, agent, app, stopPresence, inbox };
}

async function untilSignalled(o: Started, log: Logger): Promise<void> {
  const { store, coordinator, agent, app, stopPresence, inbox } = o;
  const say = (line: string): void => log.info(line);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) { say('second signal: leaving now; leases expire and other agents take the tasks'); process.exit(ERROR_CODES.E_INTERRUPTED.exitCode); }
      stopping = true;
      say('stopping: no new tasks; waiting for the tasks in flight (signal again to leave at once)');
      void (async () => {
        stopPresence();
        await inbox?.stop();
        await agent?.stop();
        await coordinator.stop();
        await app.close();
        await store.close();
        resolve();
      })();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
