// The posix reader's asynchronous mode (an agent's): each read runs on libuv's thread pool,
// so it has not completed when the calling thread next looks; close waits for reads in flight.
import assert from 'node:assert/strict';
import { pbkdf2, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { BargeError } from '../../core/errors.js';
import { openReader } from './posix-reader.js';

let dir = '';
let file = '';
const bytes = randomBytes(3 * 65_536 + 123);

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-reader-'));
  file = path.join(dir, 'data');
  fs.writeFileSync(file, bytes);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** whether p settles while only microtasks run: a synchronous read's promise does, a thread-pool read's cannot */
async function settlesWithoutTheLoop(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(() => { settled = true; }, () => { settled = true; });
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => queueMicrotask(r));
  return settled;
}

for (const asyncReads of [false, true]) {
  test(`a read ${asyncReads ? 'waits for the thread pool' : 'completes in the calling thread'}, with the right bytes`, async () => {
    const r = openReader(file, 'data', true, asyncReads);
    try {
      const buf = Buffer.alloc(65_536);
      const reading = r.read(buf, buf.length, 65_536);
      assert.equal(await settlesWithoutTheLoop(reading), !asyncReads);
      assert.equal(await reading, 65_536);
      assert.deepEqual(buf, bytes.subarray(65_536, 131_072));
      assert.equal(await r.read(buf, buf.length, bytes.length - 123), 123, 'a short read at the end');
      assert.equal(await r.read(buf, buf.length, bytes.length), 0, 'nothing past the end');
    } finally { await r.close(); }
  });
}

test('close waits for asynchronous reads still in flight, which then complete with the right bytes', async () => {
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
