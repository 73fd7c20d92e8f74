// Worker-thread entry of `barge sync`: runs the tasks the main thread sends. Its static
// imports are few: a thread told early where the agent is (connectSyncThreadsEarly)
// connects before the engine's modules have loaded, which they do meanwhile.
import { parentPort } from 'node:worker_threads';
import { receiveWorkerData, WORKER_READY } from '../engine/worker-pool.js';
import type { Task } from '../core/task-types.js';
import type { DataConnection } from '../transport/data-connection.js';
import type { EarlyConnect, SyncWorkerData } from './build-run-context.js';

let early: Promise<DataConnection> | undefined;
function connectEarly(m: unknown): void {
  const t = (m as Partial<EarlyConnect>).connect;
  if (early || !t) return;
  early = import('../transport/data-connection.js').then(({ DataConnection }) => DataConnection.open(t.address, t.scope, t.credential));
  early.catch(() => undefined); // its storage opens a fresh one then (RemoteStorage.warm)
}

/**
 * Not top-level await: a run that ends while this thread is still booting terminates it,
 * and V8 (Node 20) aborts the whole process when a termination lands as an entry module
 * with top-level await starts to evaluate ("Check failed: (location_) != nullptr" in
 * SourceTextModule::ExecuteAsyncModule; seen once in CI). A plain function's await is
 * safe to terminate.
 */
async function serve(): Promise<void> {
  const modules = Promise.all([import('./build-run-context.js'), import('../engine/task-runner.js'), import('../core/errors.js')]);
  // a thread started early (see main.ts) gets its data once the command line is parsed
  const data = await receiveWorkerData(connectEarly) as SyncWorkerData;
  const [{ buildRunContext, remoteStorageFor }, { runTask }, { toErrorRecord }] = await modules;
  // a scan that runs here copies its directory's small files itself (no message per file);
  // the main thread's scans hand them back, so that a short no-op run starts no thread for them
  // a sending thread connects to the agent as it boots, not at its first task
  const remote = await remoteStorageFor(data);
  const ctx = { ...buildRunContext(data, remote && { connectNow: remote, ...(early ? { early } : {}) }), copyInScan: true };
  const port = parentPort;
  if (!port) throw new Error('sync-worker must run as a worker thread');
  port.on('message', (task: Task) => {
    // runTask reports per file and never rejects; a result that cannot be sent is reported instead
    void runTask(ctx, task).then((r) => {
      try { port.postMessage(r); } catch (e) { port.postMessage({ counters: { failed: 1 }, errors: [toErrorRecord(e)], events: [] }); }
    });
  });
  // loaded: the pool hands this thread tasks from now on (until then the main thread copies)
  port.postMessage(WORKER_READY);
}
// a failure here is an unhandled rejection, which ends this thread with an 'error' the pool reports
void serve();
