// Worker-thread entry of `barge sync`: runs the tasks the main thread sends.
import { parentPort, workerData } from 'node:worker_threads';
import { runTask } from '../engine/task-runner.js';
import type { Task } from '../engine/task-types.js';
import { buildRunContext, type SyncWorkerData } from './sync-context.js';

const ctx = buildRunContext(workerData as SyncWorkerData);
const port = parentPort;
if (!port) throw new Error('sync-worker must run as a worker thread');
port.on('message', (task: Task) => {
  runTask(ctx, task).then((r) => port.postMessage(r), (e: unknown) => { throw e; });
});
