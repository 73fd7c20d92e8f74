// A worker entry for worker-pool tests: boots slowly, says it is ready, answers each task
// with the number of tasks it has seen and the tag of its data. Started early, it gets
// its data from the pool that takes it.
import { parentPort } from 'node:worker_threads';
import { receiveWorkerData, WORKER_READY } from '../../src/engine/worker-pool.js';

interface ReadyWorkerData { bootMs: number; tag?: string }

const port = parentPort;
if (!port) throw new Error('ready-worker must run as a worker thread');
const data = await receiveWorkerData() as ReadyWorkerData;
let seen = 0;
port.on('message', () => {
  seen++;
  port.postMessage({ counters: { filesCopied: seen }, errors: [], events: [], landed: [data.tag ?? ''] });
});
setTimeout(() => port.postMessage(WORKER_READY), data.bootMs);
