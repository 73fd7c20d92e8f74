// Worker-thread entry of `barge sync`: runs the tasks the main thread sends.
import { parentPort } from 'node:worker_threads';
import { toErrorRecord } from '../core/errors.js';
import { runTask } from '../engine/task-runner.js';
import { receiveWorkerData, WORKER_READY } from '../engine/worker-pool.js';
import type { Task } from '../core/task-types.js';
import { buildRunContext, remoteStorageFor, type SyncWorkerData } from './build-run-context.js';

// a thread started early (see main.ts) gets its data once the command line is parsed
const data = await receiveWorkerData() as SyncWorkerData;
// a scan that runs here copies its directory's small files itself (no message per file);
// the main thread's scans hand them back, so that a short no-op run starts no thread for them
const ctx = { ...buildRunContext(data, await remoteStorageFor(data)), copyInScan: true };
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
