// A worker entry for worker-pool tests: boots slowly, says it is ready, answers each task
// with the number of tasks it has seen.
import { parentPort, workerData } from 'node:worker_threads';
import { WORKER_READY } from '../../src/engine/worker-pool.js';

const port = parentPort;
if (!port) throw new Error('ready-worker must run as a worker thread');
let seen = 0;
port.on('message', () => {
  seen++;
  port.postMessage({ counters: { filesCopied: seen }, errors: [], events: [] });
});
setTimeout(() => port.postMessage(WORKER_READY), (workerData as { bootMs: number }).bootMs);
