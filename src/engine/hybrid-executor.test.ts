// Where the hybrid executor runs a task: this thread or the pool, by what the pool can take.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from '../core/entry.js';
import { defaultSyncOptions } from '../core/sync-options.js';
import { PathFilter } from '../core/filter.js';
import { HybridExecutor, type ThreadPool } from './hybrid-executor.js';
import { createHasher } from './hasher.js';
import { sharedCells, type RunContext } from './run-context.js';
import type { Task, TaskResult } from '../core/task-types.js';

class FakePool implements ThreadPool {
  readonly capacity = 2;
  started = 0;
  ready = 0;
  idle = 0;
  readonly ran: Task['kind'][] = [];
  /** per task run: whether it could start a thread */
  readonly grows: boolean[] = [];
  run(task: Task, grow = true): Promise<TaskResult> {
    this.ran.push(task.kind);
    this.grows.push(grow);
    return Promise.resolve({ counters: {}, errors: [], events: [] });
  }
  /** tasks that wait for a thread, as far as steal is concerned */
  readonly waiting: Task[] = [];
  /** kinds of the stolen tasks whose results came back */
  readonly stolenDone: Task['kind'][] = [];
  steal(wanted: (task: Task) => boolean): { task: Task; resolve: (r: TaskResult) => void } | undefined {
    const i = this.waiting.findIndex(wanted);
    if (i < 0) return undefined;
    const task = this.waiting.splice(i, 1)[0] as Task;
    return { task, resolve: () => { this.stolenDone.push(task.kind); } };
  }
  warm(): void { this.started = this.capacity; }
  close(): Promise<void> { return Promise.resolve(); }
}

// a context whose storages are never reached: the tasks below have nothing to copy
const ctx = {
  src: {}, dst: {}, opts: defaultSyncOptions(), filter: new PathFilter({}, 0n), resolutionNs: 1n, owner: false, verbose: false,
  cells: sharedCells(), limiter: undefined, buffer: Buffer.alloc(16), readHash: createHasher('xxh3'), corruptOnce: new Set(), corruptAlways: new Set(),
} as unknown as RunContext;

const file = (size: number) => ({ rel: 'f', src: { name: 'f', type: 'file', size } as Entry, dstExists: true, compareFirst: false });
const copy = (size: number): Task => ({ kind: 'copy', files: size < 0 ? [] : [file(size)] });

test('while no thread is ready, small copy batches run here, at most one waiting; more go to the pool', async () => {
  const pool = new FakePool();
  const exec = new HybridExecutor(ctx, pool);
  const first = exec.run(copy(-1));
  assert.equal(pool.started, 0, 'no thread is started for it');
  const second = exec.run(copy(-1)); // waits here for the first
  const third = exec.run(copy(-1)); // one waits here already: to the pool
  const big = exec.run(copy(5 * 1024 * 1024));
  await Promise.all([first, second, third, big]);
  assert.deepEqual(pool.ran, ['copy', 'copy'], 'the third batch and the big one went to the pool');
  assert.deepEqual(pool.grows, [false, true], 'the third batch is too light to start a thread; the big one may');
  pool.ready = 1;
  pool.idle = 1;
  await exec.run(copy(-1));
  assert.deepEqual(pool.ran, ['copy', 'copy', 'copy'], 'with a thread idle, copies go to the pool');
});

test('with no thread idle and room for more, a light copy runs here if this thread is free; not under --bwlimit, nor a heavy one', async () => {
  const pool = new FakePool();
  pool.started = 1;
  pool.ready = 1;
  const exec = new HybridExecutor(ctx, pool);
  await exec.run(copy(8192));
  assert.deepEqual(pool.ran, []);
  await exec.run(copy(5 * 1024 * 1024));
  assert.deepEqual(pool.ran, ['copy']);
  const limited = new HybridExecutor({ ...ctx, limiter: {} } as unknown as RunContext, pool);
  await limited.run(copy(8192));
  assert.deepEqual(pool.ran, ['copy', 'copy']);
  pool.started = 2; // every thread started: this thread hands out work only
  await exec.run(copy(8192));
  assert.deepEqual(pool.ran, ['copy', 'copy', 'copy']);
});

test('this thread, once free, takes back the light copies and walk tasks waiting in the pool, not the heavy ones', async () => {
  const pool = new FakePool();
  pool.started = 1;
  pool.ready = 1;
  const heavy = copy(64 * 1024 * 1024);
  pool.waiting.push(heavy, copy(-1), { kind: 'dirmeta', dirs: [] });
  const exec = new HybridExecutor(ctx, pool);
  await exec.run({ kind: 'dirmeta', dirs: [] });
  while (pool.stolenDone.length < 2) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(pool.stolenDone, ['copy', 'dirmeta']);
  assert.deepEqual(pool.waiting, [heavy]);
  // once every thread is started, nothing is taken back
  pool.started = 2;
  const light = copy(-1);
  pool.waiting.push(light);
  await exec.run({ kind: 'dirmeta', dirs: [] });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(pool.waiting, [heavy, light]);
});

const scan = (rel: string): Task => ({ kind: 'scan', rel, src: { name: rel, type: 'dir' } as Entry, dst: undefined, dstExists: false, insideListedDir: false });

test('with a thread busy and room for more, a short walk is shared with it and starts no thread; an idle one takes scans', async () => {
  const pool = new FakePool();
  pool.started = 1; // a thread started early, now busy
  pool.ready = 1;
  const exec = new HybridExecutor(ctx, pool);
  await Promise.all([exec.run(scan('a')), exec.run(scan('b')), exec.run(scan('c'))]);
  assert.deepEqual(pool.ran, ['scan', 'scan'], 'the first ran here; the rest, which would wait here, went to the thread');
  assert.deepEqual(pool.grows, [false, false], 'none of them could start a thread');
  await new Promise((resolve) => setImmediate(resolve)); // this thread is free again
  await exec.run(scan('d'));
  assert.equal(pool.ran.length, 2, 'with this thread free and the other busy, a scan runs here');
  pool.idle = 1;
  await exec.run(scan('e'));
  assert.deepEqual(pool.ran, ['scan', 'scan', 'scan']);
});

test('a thread held by a heavy copy does not share the walk', async () => {
  const pool = new FakePool();
  pool.started = 1;
  pool.ready = 1;
  let finish = (): void => undefined;
  pool.run = (task: Task, grow = true): Promise<TaskResult> => {
    pool.ran.push(task.kind);
    pool.grows.push(grow);
    // the big copy stays in flight until finish()
    return task.kind === 'copy' && task.files.length > 0 && task.files[0]!.src.size > 4 * 1024 * 1024 ?
      new Promise((resolve) => { finish = () => resolve({ counters: {}, errors: [], events: [] }); }) :
      Promise.resolve({ counters: {}, errors: [], events: [] });
  };
  const exec = new HybridExecutor(ctx, pool);
  const big = exec.run(copy(64 * 1024 * 1024));
  await Promise.all([exec.run(scan('a')), exec.run(scan('b'))]);
  assert.deepEqual(pool.ran, ['copy'], 'both scans ran here');
  finish();
  await big;
  await Promise.all([exec.run(scan('c')), exec.run(scan('d'))]);
  assert.deepEqual(pool.ran, ['copy', 'scan'], 'with the copy done, the thread shares the walk again');
});

test('with the started thread still booting, the walk stays here', async () => {
  const pool = new FakePool();
  pool.started = 1;
  const exec = new HybridExecutor(ctx, pool);
  await Promise.all([exec.run(scan('a')), exec.run(scan('b'))]);
  assert.deepEqual(pool.ran, []);
});

test('a light copy batch never starts a thread; a batch of many files or MiB may', async () => {
  const pool = new FakePool();
  pool.started = 1;
  pool.ready = 1;
  pool.idle = 1;
  const exec = new HybridExecutor(ctx, pool);
  const many: Task = { kind: 'copy', files: Array.from({ length: 16 }, () => file(100)) };
  await Promise.all([exec.run(copy(8192)), exec.run(many), exec.run(copy(5 * 1024 * 1024))]);
  assert.deepEqual(pool.grows, [false, true, true]);
});

test('with every thread started, scans run here until one is ready, then go to the pool', async () => {
  const pool = new FakePool();
  pool.started = 2;
  const exec = new HybridExecutor(ctx, pool);
  await exec.run(scan('a'));
  assert.deepEqual(pool.ran, []);
  await new Promise((resolve) => setImmediate(resolve)); // this thread is free again
  pool.ready = 2;
  await exec.run(scan('b'));
  assert.deepEqual(pool.ran, ['scan']);
});

test('metadata tasks that would wait here go to an idle thread instead', async () => {
  const pool = new FakePool();
  const exec = new HybridExecutor(ctx, pool);
  const first = exec.run({ kind: 'dirmeta', dirs: [] }); // runs here
  pool.idle = 1;
  const second = exec.run({ kind: 'dirmeta', dirs: [] }); // this thread is busy: to the idle one
  await Promise.all([first, second]);
  assert.deepEqual(pool.ran, ['dirmeta']);
});

test('under --bwlimit copies never run here: the limiter would block this thread', async () => {
  const pool = new FakePool();
  const exec = new HybridExecutor({ ...ctx, limiter: {} } as unknown as RunContext, pool);
  await exec.run(copy(-1));
  assert.deepEqual(pool.ran, ['copy']);
});
