// Worker-thread entry of the service agents (the built-in one of `barge serve` and
// `barge agent --coordinator`): runs the tasks of any request, keeping the run context of
// the last few jobs (storages, connections to a destination agent, filter, shared cells).
import { openStorage } from '../storage/registry.js';
import { parentPort } from 'node:worker_threads';
import { BargeError, toErrorRecord } from '../core/errors.js';
import type { RunContext } from '../engine/run-context.js';
import { runTask } from '../engine/task-runner.js';
import { RemoteStorage, type RemoteTarget } from '../transport/remote-storage.js';
import { parseListen } from '../config/parse-values.js';
import { sharedFileList } from './shared-file-list.js';
import type { ServiceJobMessage } from './worker-job-runner.js';
import { buildRunContext, releaseRunContext } from './build-run-context.js';
import { jobNames, makeDestination } from './job-names.js';
import { SERVICE_RUN } from './service-run.js';

const KEEP = 16;
const contexts = new Map<string, Promise<RunContext>>();

/** a new grant for the same job makes a new context: its connections prove the new grant */
function keyOf(m: ServiceJobMessage): string {
  return `${m.job.requestId}#${m.generation}#${m.job.push?.grant ?? ''}`;
}

async function build(m: ServiceJobMessage): Promise<RunContext> {
  const { job, roots } = m;
  const opts = m.files ? { ...job.opts, filter: { ...job.opts.filter, filesFrom: sharedFileList(m.files) } } : job.opts;
  const base = { ...m.data, src: roots.src, opts };
  if (job.push) {
    const target: RemoteTarget = {
      // the coordinator says whether that agent's data plane speaks TLS; its certificate must name the address's host
      address: { ...parseListen(job.push.address, `agent ${job.push.agent}`), ...(job.push.tls === true ? { tls: m.pushCa === undefined ? {} : { ca: m.pushCa } } : {}) },
      scope: { endpoint: job.dst.endpoint, path: job.dst.path, write: true },
      credential: { grant: job.push.grant },
      streams: 2, hash: job.opts.hash,
    };
    // the destination directory is made in the handshake's round trips (mkbase behind its PROOF)
    const { storage, made } = await RemoteStorage.probeAndMakeBase(target);
    storage.close();
    if ('error' in made) throw made.error;
    return { ...buildRunContext({ ...base, dst: undefined, remoteDst: { target, features: storage.features } }, RemoteStorage), ...SERVICE_RUN, names: jobNames(job) };
  }
  if (roots.dst === undefined) throw new BargeError('E_BAD_INPUT', `this agent does not serve endpoint '${job.dst.endpoint}'`);
  const dst = roots.dst;
  makeDestination(job, () => openStorage(dst, { createRoot: true }));
  return { ...buildRunContext({ ...base, dst }), ...SERVICE_RUN, names: jobNames(job) };
}

function contextOf(m: ServiceJobMessage): Promise<RunContext> {
  const key = keyOf(m);
  let ctx = contexts.get(key);
  if (ctx) {
    contexts.delete(key);
    contexts.set(key, ctx); // most recent last
    return ctx;
  }
  ctx = build(m);
  contexts.set(key, ctx);
  ctx.catch(() => contexts.delete(key));
  if (contexts.size > KEEP) {
    const oldest = contexts.keys().next().value as string;
    void contexts.get(oldest)?.then(releaseRunContext, () => undefined);
    contexts.delete(oldest);
  }
  return ctx;
}

const port = parentPort;
if (!port) throw new Error('service-worker must run as a worker thread');
port.on('message', (m: ServiceJobMessage) => {
  contextOf(m).then((ctx) => runTask(ctx, m.task), (e: unknown) => ({ counters: { failed: 1 }, errors: [toErrorRecord(e, '')], events: [] }))
    .then((r) => {
      try { port.postMessage(r); } catch (e) { port.postMessage({ counters: { failed: 1 }, errors: [toErrorRecord(e)], events: [] }); }
    }, (e: unknown) => port.postMessage({ counters: { failed: 1 }, errors: [toErrorRecord(e)], events: [] }));
});
