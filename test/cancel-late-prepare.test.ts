// The cleanup of a canceled request, in-process on the memory store with real files: a
// prepare that was in flight at the cancel made a partial no chunk task names; its dropped
// report still gets the partial cleaned up. And a cleanup task leaves alone a partial that
// another run has taken over since (its journal names another owner token).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { AgentService } from '../src/coordinator/agent-service.js';
import { enqueueCleanup } from '../src/coordinator/cancel-cleanup.js';
import { PHASE_CLEANUP } from '../src/coordinator/phases.js';
import { encodeTask } from '../src/coordinator/service-task.js';
import type { AbortPartialsTask, FileItem } from '../src/core/task-types.js';
import { runAbortPartials } from '../src/engine/abort-partials.js';
import type { RunContext } from '../src/engine/run-context.js';
import { openMemoryStore } from '../src/state/memory/open-memory.js';
import { PosixStorage } from '../src/storage/posix/posix-storage.js';
import { leftovers } from './helpers/service.js';

const T0 = 1_700_000_000_000;
const SIZE = 1 << 20;

function fileItem(rel: string): FileItem {
  return { rel, src: { name: rel, type: 'file', size: SIZE, mtimeNs: 1n, mode: 0o644, uid: 0, gid: 0, ino: 1n, dev: 1n, nlink: 1 } as unknown as FileItem['src'], dstExists: false, compareFirst: false };
}

test('a prepare in flight at the cancel: its partial is cleaned up from its dropped report; a partial taken over by another run stays', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-late-prepare-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const dst = new PosixStorage(root);
  const store = await openMemoryStore();
  t.after(() => store.close());
  const svc = new AgentService(store, {
    endpoints: new Map(), retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 }, leaseMs: 60_000, transfers: 1, asRoot: false,
    now: () => T0, onProgress: () => undefined,
  });
  const spec = JSON.stringify({ source: 'src:/', destination: 'dst:/' });
  await store.createRequest({ id: 'r', priority: 5, source: 'src:/', destination: 'dst:/', srcEndpoint: 'src', dstEndpoint: 'dst', spec }, T0);
  await store.setRequestState('r', ['queued'], 'running', T0, { phase: 0 });
  await store.enqueue('r', [encodeTask({ kind: 'prepare', file: fileItem('late.bin') }, 0)], T0);
  const [work] = await svc.leaseFor('ag', 1, undefined);
  assert.equal(work?.task.kind, 'prepare');

  // the agent prepares the partial; meanwhile the request is canceled (no chunk task names the file yet)
  const prepared = await dst.preparePartial('late.bin', { size: SIZE, sparse: false, identity: 'id', chunkSize: SIZE / 4 });
  assert.ok(prepared.owner);
  await store.tx(async (s) => {
    assert.equal(await s.setRequestState('r', ['running'], 'canceled', T0), true);
    await s.cancelTasks('r', { leased: true }, T0);
    assert.equal(await enqueueCleanup(s, 'r', T0), 0, 'no chunk task names a partial');
  });
  assert.equal((await store.getRequest('r'))?.phase, PHASE_CLEANUP);
  await svc.report('ag', [{ taskId: work?.taskId ?? -1, result: { counters: {}, errors: [], events: [], partialOwner: prepared.owner } }]);

  const cleanup = await svc.leaseFor('ag', 5, undefined);
  assert.deepEqual(cleanup.map((w) => w.task), [{ kind: 'abort', partials: [{ rel: 'late.bin', owner: prepared.owner }] }]);
  assert.equal(leftovers(root).length, 2, 'the partial and its journal are there before the cleanup runs');
  const ctx = { dst } as unknown as RunContext;
  const r = await runAbortPartials(ctx, cleanup[0]?.task as AbortPartialsTask);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(leftovers(root), [], 'the cleanup removed the partial and its journal');

  // another run took the partial over (a new owner token): a cleanup with the old token leaves it
  const first = await dst.preparePartial('taken.bin', { size: SIZE, sparse: false, identity: 'id', chunkSize: SIZE / 4 });
  const second = await dst.preparePartial('taken.bin', { size: SIZE, sparse: false, identity: 'id', chunkSize: SIZE / 4 });
  assert.notEqual(first.owner, second.owner);
  await runAbortPartials(ctx, { kind: 'abort', partials: [{ rel: 'taken.bin', owner: first.owner as string }] });
  assert.equal(leftovers(root).length, 2, "the other run's partial stays");
  await runAbortPartials(ctx, { kind: 'abort', partials: [{ rel: 'taken.bin', owner: second.owner as string }] });
  assert.deepEqual(leftovers(root), []);
});
