// The posix reader's asynchronous mode (an agent's): bytes in the page cache are read on the
// calling thread, the others on libuv's thread pool, so such a read has not completed when
// the calling thread next looks; close waits for reads in flight.
import assert from 'node:assert/strict';
import { pbkdf2, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { BargeError } from '../../core/errors.js';
import { native } from './native.js';
import { openReader } from './posix-reader.js';

// made as the file loads: the tests' skip conditions look at the directory's file system
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-reader-'));
const file = path.join(dir, 'data');
const bytes = randomBytes(3 * 65_536 + 123);
fs.writeFileSync(file, bytes);
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const TMPFS_MAGIC = 0x01021994;
/** where files live in memory, no read waits for a disk and nothing can be dropped from the cache */
const inMemory = (): boolean => fs.statfsSync(dir).type === TMPFS_MAGIC;

/** the file's bytes out of the page cache (clean pages go: written back first) */
function dropFromCache(): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
    assert.equal(native.dropCache(fd, 0, bytes.length), 0);
  } finally { fs.closeSync(fd); }
}

/** whether p settles while only microtasks run: a synchronous read's promise does, a thread-pool read's cannot */
async function settlesWithoutTheLoop(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(() => { settled = true; }, () => { settled = true; });
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => queueMicrotask(r));
  return settled;
}

for (const [mode, asyncReads] of [['a synchronous', false], ['an asynchronous', true]] as const) {
  test(`${mode} read of cached bytes completes in the calling thread, with the right bytes`, async () => {
    fs.readFileSync(file); // all in the page cache
    const r = openReader(file, 'data', true, asyncReads);
    try {
      const buf = Buffer.alloc(65_536);
      const reading = r.read(buf, buf.length, 65_536);
      assert.equal(await settlesWithoutTheLoop(reading), true);
      assert.equal(await reading, 65_536);
      assert.deepEqual(buf, bytes.subarray(65_536, 131_072));
      assert.equal(await r.read(buf, buf.length, bytes.length - 123), 123, 'a short read at the end');
      assert.equal(await r.read(buf, buf.length, bytes.length), 0, 'nothing past the end');
    } finally { await r.close(); }
  });
}

test('an asynchronous read of bytes not in the page cache waits for the thread pool, and gets the right bytes',
  { skip: inMemory() && 'the temporary directory is in memory: nothing to wait for' }, async () => {
    dropFromCache();
    const r = openReader(file, 'data', true, true);
    try {
      const buf = Buffer.alloc(65_536);
      const reading = r.read(buf, buf.length, 65_536);
      assert.equal(await settlesWithoutTheLoop(reading), false);
      assert.equal(await reading, 65_536);
      assert.deepEqual(buf, bytes.subarray(65_536, 131_072));
    } finally { await r.close(); }
  });

test('close waits for asynchronous reads still in flight, which then complete with the right bytes',
  { skip: inMemory() && 'the temporary directory is in memory: every read completes at once' }, async () => {
  dropFromCache();
  const r = openReader(file, 'data', true, true);
  // every pool thread busy for a while first, so that the reads are still queued when close is called
  const busy = Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE ?? 4) }, () =>
    new Promise((resolve, reject) => pbkdf2('p', 's', 100_000, 32, 'sha256', (e, k) => { if (e) reject(e); else resolve(k); })));
  const bufs = Array.from({ length: 6 }, () => Buffer.alloc(65_536));
  const reads = bufs.map((b, i) => r.read(b, b.length, (i % 3) * 65_536));
  const closing = r.close(); // before any read has completed: the descriptor must stay open for them
  assert.deepEqual(await Promise.all(reads), bufs.map(() => 65_536));
  await closing;
  await Promise.all(busy);
  bufs.forEach((b, i) => assert.deepEqual(b, bytes.subarray((i % 3) * 65_536, (i % 3 + 1) * 65_536), `read ${i}`));
});

test('a failed asynchronous read rejects with a classified error naming the file', async () => {
  const r = openReader(dir, 'a-directory', true, true); // a directory opens read-only, but read(2) says EISDIR
  try {
    await assert.rejects(r.read(Buffer.alloc(16), 16, 0), (e: unknown) => {
      assert.ok(e instanceof BargeError);
      assert.equal(e.path, 'a-directory');
      assert.match(e.message, /EISDIR/);
      return true;
    });
  } finally { await r.close(); }
});
