// Worker-thread entry of `barge serve`'s built-in agent: runs the tasks of any request,
// keeping the run context of the last few requests (storages, filter, shared cells).
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { toErrorRecord } from '../core/errors.js';
import type { RunContext } from '../engine/run-context.js';
import { runTask } from '../engine/task-runner.js';
import type { ServiceJobMessage } from './service-jobs.js';
import { buildRunContext } from './sync-context.js';

const KEEP = 16;
const contexts = new Map<string, RunContext>();

function contextOf(m: ServiceJobMessage): RunContext {
  const key = `${m.job.requestId}#${m.generation}`;
  let ctx = contexts.get(key);
  if (ctx) {
    contexts.delete(key);
    contexts.set(key, ctx); // most recent last
    return ctx;
  }
  fs.mkdirSync(m.job.dstRoot, { recursive: true });
  ctx = { ...buildRunContext({ ...m.data, srcRoot: m.job.srcRoot, dstRoot: m.job.dstRoot, opts: m.job.opts }), recordHashes: true };
  contexts.set(key, ctx);
  if (contexts.size > KEEP) contexts.delete(contexts.keys().next().value as string);
  return ctx;
}

const port = parentPort;
if (!port) throw new Error('service-worker must run as a worker thread');
port.on('message', (m: ServiceJobMessage) => {
  let ctx: RunContext;
  try { ctx = contextOf(m); } catch (e) {
    port.postMessage({ counters: { failed: 1 }, errors: [toErrorRecord(e, '')], events: [] });
    return;
  }
  void runTask(ctx, m.task).then((r) => {
    try { port.postMessage(r); } catch (e) { port.postMessage({ counters: { failed: 1 }, errors: [toErrorRecord(e)], events: [] }); }
  });
});
