// WRITE frames taken as the socket delivers them: a frame's bytes are hashed and written
// slice by slice, never assembled, when nothing is queued before it; behind a call that
// is still being handled they wait, whole, in order. Either way the same checks hold:
// hash at commit, order, sizes, one FAIL naming the handle when storage fails.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeFrame, FrameType, type Frame } from './frame-codec.js';
import { hashOf, KEEP_OWNER, meta, pattern, Prng, startAgent, tempNames, type RawPeer, type ServedAgent } from './test-support/served-agent.js';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe('WRITE frames streamed into storage', () => {
  let a: ServedAgent;
  before(async () => { a = await startAgent(); });
  after(() => a.stop());


  async function openWrite(p: RawPeer, id: number, name: string, size: number): Promise<number> {
    p.frame(FrameType.CALL, id, { op: 'open-write', path: name, size, sparse: false, replaces: true, hash: 'xxh3' });
    return (await p.expect(FrameType.REPLY)).meta.handle as number;
  }

  test('WRITE frames cut into pieces of every size, sent apart, land and pass the hash check at commit', async () => {
    const p = await a.rawSession();
    const bytes = pattern(300 * 1024 + 17, 3);
    const h = await openWrite(p, 1, 'cut', bytes.length);
    const wire = Buffer.concat([
      encodeFrame(FrameType.WRITE, 2, { handle: h, offset: 0 }, bytes.subarray(0, 100_000)),
      encodeFrame(FrameType.WRITE, 3, { handle: h, offset: 100_000 }, bytes.subarray(100_000, 100_000)),
      encodeFrame(FrameType.WRITE, 4, { handle: h, offset: 100_000 }, bytes.subarray(100_000)),
    ]);
    const rnd = new Prng(9);
    for (let at = 0; at < wire.length;) {
      // tiny pieces around the frame heads, bigger ones in the data
      const n = Math.min(wire.length - at, rnd.int(4) === 0 ? 1 + rnd.int(20) : 1 + rnd.int(40_000));
      p.send(wire.subarray(at, at + n));
      at += n;
      await tick();
    }
    p.frame(FrameType.CALL, 5, { op: 'commit', handle: h, meta: meta(0o644), choice: KEEP_OWNER, sentHash: hashOf(bytes) });
    const r = await p.expect(FrameType.REPLY);
    assert.equal(r.id, 5);
    assert.ok(fs.readFileSync(path.join(a.root, 'cut')).equals(bytes));
    p.destroy();
  });

  test('multi-MiB WRITE frames, cut by the socket at any place, land whole at their offsets', async () => {
    const p = await a.rawSession();
    const bytes = pattern(3 * 1024 * 1024 + 4321, 5);
    const h = await openWrite(p, 1, 'big-cut', bytes.length);
    const cut = 2 * 1024 * 1024 + 77;
    const wire = Buffer.concat([
      encodeFrame(FrameType.WRITE, 2, { handle: h, offset: 0 }, bytes.subarray(0, cut)),
      encodeFrame(FrameType.WRITE, 3, { handle: h, offset: cut }, bytes.subarray(cut)),
    ]);
    const rnd = new Prng(11);
    for (let at = 0; at < wire.length;) {
      const n = Math.min(wire.length - at, 1 + rnd.int(300_000));
      p.send(wire.subarray(at, at + n));
      at += n;
      await tick();
    }
    p.frame(FrameType.CALL, 4, { op: 'commit', handle: h, meta: meta(0o644), choice: KEEP_OWNER, sentHash: hashOf(bytes) });
    assert.equal((await p.expect(FrameType.REPLY)).id, 4);
    assert.ok(fs.readFileSync(path.join(a.root, 'big-cut')).equals(bytes));
    p.destroy();
  });

  test('a wrong hash is still caught at commit when the bytes came in slices', async () => {
    const p = await a.rawSession();
    const bytes = pattern(200 * 1024, 4);
    const h = await openWrite(p, 1, 'bad-hash', bytes.length);
    const wire = encodeFrame(FrameType.WRITE, 2, { handle: h, offset: 0 }, bytes);
    for (let at = 0; at < wire.length; at += 7000) { p.send(wire.subarray(at, at + 7000)); await tick(); }
    const other = Buffer.from(bytes);
    other[1000] = (other[1000] as number) ^ 1;
    p.frame(FrameType.CALL, 3, { op: 'commit', handle: h, meta: meta(0o644), choice: KEEP_OWNER, sentHash: hashOf(other) });
    const f = await p.expect(FrameType.FAIL);
    assert.deepEqual([f.id, f.meta.code], [3, 'E_CHECKSUM']);
    assert.equal(fs.existsSync(path.join(a.root, 'bad-hash')), false);
    p.destroy();
  });

  test('WRITEs sent behind a call in one chunk wait for it and are written in order (also to an unknown handle: its FAIL in order)', async () => {
    const p = await a.rawSession();
    const bytes = pattern(50_000, 5);
    // a fresh session's first handle is 1
    p.send(Buffer.concat([
      encodeFrame(FrameType.CALL, 1, { op: 'open-write', path: 'queued', size: bytes.length, sparse: false, replaces: true, hash: 'xxh3' }),
      encodeFrame(FrameType.WRITE, 2, { handle: 1, offset: 0 }, bytes.subarray(0, 20_000)),
      encodeFrame(FrameType.WRITE, 3, { handle: 77, offset: 0 }, bytes.subarray(0, 10)),
      encodeFrame(FrameType.WRITE, 4, { handle: 1, offset: 20_000 }, bytes.subarray(20_000)),
      encodeFrame(FrameType.CALL, 5, { op: 'commit', handle: 1, meta: meta(0o600), choice: KEEP_OWNER, sentHash: hashOf(bytes) }),
    ]));
    const got: [number, number][] = [];
    for (let i = 0; i < 3; i++) { const f = await p.next(); assert.ok(f); got.push([f.type, f.id]); }
    assert.deepEqual(got, [[FrameType.REPLY, 1], [FrameType.FAIL, 3], [FrameType.REPLY, 5]]);
    assert.ok(fs.readFileSync(path.join(a.root, 'queued')).equals(bytes));
    p.destroy();
  });

  test('a storage write that fails mid-frame: one FAIL naming the handle, later bytes dropped, commit fails, nothing lands', async () => {
    const p = await a.rawSession();
    const h = await openWrite(p, 1, 'too-far', 10);
    // an offset no file system takes: every pwrite of the frame fails (EFBIG)
    const wire = Buffer.concat([
      encodeFrame(FrameType.WRITE, 2, { handle: h, offset: 2 ** 53 - 2 }, pattern(100_000, 6)),
      encodeFrame(FrameType.WRITE, 3, { handle: h, offset: 0 }, Buffer.from('0123456789')),
    ]);
    for (let at = 0; at < wire.length; at += 9000) { p.send(wire.subarray(at, at + 9000)); await tick(); }
    p.frame(FrameType.CALL, 4, { op: 'ping' });
    const frames: Frame[] = [];
    for (;;) { const f = await p.next(); assert.ok(f); frames.push(f); if (f.id === 4) break; }
    assert.deepEqual(frames.map((f) => [f.type, f.id, f.meta.handle]), [[FrameType.FAIL, 2, h], [FrameType.REPLY, 4, undefined]]);
    p.frame(FrameType.CALL, 5, { op: 'commit', handle: h, meta: meta(0o644), choice: KEEP_OWNER, sentHash: hashOf(Buffer.from('0123456789')) });
    const f = await p.expect(FrameType.FAIL);
    assert.deepEqual([f.id, f.meta.code], [5, frames[0]?.meta.code]);
    assert.equal(fs.existsSync(path.join(a.root, 'too-far')), false);
    assert.deepEqual(tempNames(a.root), []);
    p.destroy();
  });

  test('a peer that sends bad WRITEs and never reads its FAILs does not make the server buffer them without bound', async () => {
    const p = await a.rawSession();
    p.socket.pause();
    // ~36 bytes a frame, ~150 bytes of FAIL each: 240,000 of them would be ~36 MiB of FAILs
    const one = encodeFrame(FrameType.WRITE, 1, { handle: 99, offset: 0 }, Buffer.from('x'));
    const wire = Buffer.concat(Array.from({ length: 240_000 }, () => one));
    const before = process.memoryUsage().arrayBuffers;
    p.send(wire);
    await new Promise((r) => setTimeout(r, 1500));
    // less the peer's own copy of what it sends (RawPeer.send copies)
    const grew = process.memoryUsage().arrayBuffers - before - wire.length;
    p.destroy();
    assert.ok(grew < 4 * 1024 * 1024, `the server holds ${(grew / 1024 / 1024).toFixed(1)} MiB of FAILs for a peer that reads none`);
  });

  test('a chunk written out of order in slices cannot be checked; one in order can', async () => {
    const s = await a.remote({}, { streams: 1 });
    try {
      const bytes = pattern(1024 * 1024, 7);
      await s.preparePartial('big', { size: bytes.length, sparse: false, identity: 'i', chunkSize: bytes.length / 2 });
      const w1 = await s.openPartialWrite('big', { size: bytes.length, sparse: false });
      await w1.write(bytes.subarray(0, 256 * 1024), 0);
      await w1.write(bytes.subarray(256 * 1024, 512 * 1024), 256 * 1024);
      await w1.close(hashOf(bytes.subarray(0, 512 * 1024)));
      const w2 = await s.openPartialWrite('big', { size: bytes.length, sparse: false });
      await w2.write(bytes.subarray(768 * 1024), 768 * 1024);
      await w2.write(bytes.subarray(512 * 1024, 768 * 1024), 512 * 1024);
      await assert.rejects(w2.close(hashOf(bytes.subarray(512 * 1024))), (e: unknown) => e instanceof Error && /out of order/.test(e.message));
    } finally { s.close(); }
  });
});
