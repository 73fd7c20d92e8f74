// Starts two early threads that nobody takes, and says how many are still up once they
// have loaded; the process must then end by itself (worker-pool.test.ts).
import { EarlyThreads } from '../../src/engine/worker-pool.js';

const early = new EarlyThreads(new URL('./ready-worker.js', import.meta.url), 2);
setTimeout(() => process.stdout.write(`live: ${early.count}\n`), 1000);
