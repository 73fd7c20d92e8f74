// `barge serve`: loads the configuration, opens the state store, starts the coordinator's
// loops, the built-in agent and the HTTP server; on SIGINT/SIGTERM stops leasing, lets
// the tasks in flight finish and closes everything.
import { rootSwapWarning } from '../storage/posix/root-ancestors.js';
import * as fs from 'node:fs';
import { makeDirs } from '../storage/posix/make-dirs.js';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { BargeError, ERROR_CODES } from '../core/errors.js';
import { LeaseLoop } from '../agent/lease-loop.js';
import { builtInAgentName } from '../core/agent-wire.js';
import { EndpointRootsRunner } from '../agent/endpoint-roots-runner.js';
import { withTaskDelay } from '../agent/delayed-job-runner.js';
import { testHooks } from '../config/test-hooks.js';
import { loadServiceConfig, type ConfigFlags } from '../config/load-config.js';
import { isLoopback } from '../config/parse-values.js';
import type { ServiceConfig } from '../config/service-config.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { PosixStorage } from '../storage/posix/posix-storage.js';
import { buildServer } from '../server/app.js';
import { openMemoryStore } from '../state/memory/open-memory.js';
import { openPostgresStore } from '../state/postgres/open-postgres.js';
import { openSqliteStore } from '../state/sqlite/open-sqlite.js';
import type { StateStore } from '../state/state-store.js';
import { WorkerJobRunner } from '../agent/worker-job-runner.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** test set-up's count of which agent leased which task: "taskId agentId" lines */
function taskLogWriter(file: string): (agentId: string, work: readonly { taskId: number }[]) => void {
  return (agentId, work) => fs.appendFileSync(file, work.map((w) => `${w.taskId} ${agentId}\n`).join(''));
}

function say(line: string): void {
  process.stderr.write(`barge serve: ${line}\n`);
}

async function openStore(c: ServiceConfig): Promise<{ store: StateStore; where: string }> {
  try {
    switch (c.db.kind) {
      case 'memory': return { store: await openMemoryStore(), where: 'memory (nothing is kept after exit)' };
      case 'sqlite':
        makeDirs(path.dirname(c.db.path));
        return { store: await openSqliteStore(c.db.path), where: `SQLite ${c.db.path}` };
      case 'postgres': {
        const u = new URL(c.db.url);
        u.password = u.password ? '***' : '';
        return { store: await openPostgresStore(c.db.url), where: `PostgreSQL ${u.toString()}` };
      }
    }
  } catch (e) {
    throw new BargeError('E_CONFIG', `cannot open the database: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkEndpoints(c: ServiceConfig): void {
  for (const e of c.endpoints.values()) {
    if (e.kind !== 'posix') continue; // other kinds are checked by their storage when used
    let st: fs.Stats | undefined;
    try { st = fs.statSync(e.path); } catch { st = undefined; }
    const where = c.file ?? 'configuration';
    if (!st) throw new BargeError('E_CONFIG', `${where}: endpoints.${e.name}.path: ${e.path} does not exist`);
    if (!st.isDirectory()) throw new BargeError('E_CONFIG', `${where}: endpoints.${e.name}.path: ${e.path} is not a directory`);
    const loose = rootSwapWarning(`endpoint ${e.name}`, e.path);
    if (loose !== undefined) say(loose);
  }
}

export async function serveCommand(file: string | undefined, flags: ConfigFlags): Promise<void> {
  const config = loadServiceConfig({ file, flags, env: process.env });
  // without the built-in agent, endpoints live on the agents' hosts, not necessarily here
  if (config.localAgent) checkEndpoints(config);
  const { store, where } = await openStore(config);
  const hooks = testHooks();
  const coordinator = new Coordinator(store, config, (abs) => new PosixStorage(abs), {
    ...(hooks?.taskLog !== undefined ? { onLeased: taskLogWriter(hooks.taskLog) } : {}),
    ...(hooks?.chunkCutoff !== undefined ? { chunkCutoff: hooks.chunkCutoff } : {}),
  });
  coordinator.onError((e) => say(`error: ${e instanceof Error ? e.message : String(e)}`));
  coordinator.start();

  let agent: LeaseLoop | undefined;
  if (config.localAgent) {
    const id = builtInAgentName(config.name);
    const { link, released } = await coordinator.enrolBuiltIn({
      name: id, site: [...config.endpoints.values()][0]?.site ?? 'local', endpoints: [...config.endpoints.keys()], slots: config.transfers,
    });
    if (released > 0) say(`${released} task(s) held by the previous run of ${id} are queued again`);
    agent = new LeaseLoop(link, {
      // twice the threads: a task waits at each thread while the one before it is reported
      id, slots: config.transfers * 2, pollMs: 200, heartbeatMs: Math.max(200, Math.floor(config.leaseTimeoutMs / 3)),
      runner: withTaskDelay(new EndpointRootsRunner(new WorkerJobRunner(config.transfers), config.endpointStorage), hooks?.taskDelayMs ?? 0),
      onError: (e) => say(`agent error: ${e instanceof Error ? e.message : String(e)}`),
    });
    agent.start();
  }

  const app = await buildServer({
    api: coordinator, tokens: config.tokens, auth: config.auth, version: pkg.version, ...(config.tls?.server ? { https: config.tls.server } : {}),
  });
  const address = await app.listen({ host: config.listen.host, port: config.listen.port });
  say(`listening on ${address}; state in ${where}; ${config.endpoints.size} endpoint(s); ${agent ? `built-in agent with ${config.transfers} slots` : 'no built-in agent'}`);
  if (!config.auth) say('warning: authentication is off (--no-auth); anyone who reaches this port may act');
  else if (!config.tls?.server && !isLoopback(config.listen.host)) say('warning: the API speaks plain HTTP: tokens cross the network in clear (give [tls] cert and key, or serve behind a TLS proxy)');

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) { say('second signal: leaving now; leases expire and other agents take the tasks'); process.exit(ERROR_CODES.E_INTERRUPTED.exitCode); }
      stopping = true;
      say('stopping: no new tasks; waiting for the tasks in flight (signal again to leave at once)');
      void (async () => {
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
