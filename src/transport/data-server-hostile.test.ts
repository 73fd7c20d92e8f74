// Hostile peers, case by case: fields that echo back oversize, bad fields for every call,
// writes to handles that are not open, a second HELLO, garbage mid-session, and a peer
// that asks for data but never reads it. The server answers each with a FAIL (or ends
// that connection), never throws, and keeps serving everyone else.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { FrameType, MAX_META_BYTES, type Meta } from './frame-codec.js';
import { tokenProof } from './session-auth.js';
import { eventually, hashOf, KEEP_OWNER, meta, pattern, RW, show, startAgent, tempNames, TOKEN, type RawPeer, type ServedAgent } from './test-support/served-agent.js';
import * as fs from 'node:fs';
import * as path from 'node:path';

describe('hostile peers, case by case', () => {
  let a: ServedAgent;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => { uncaught.push(e); };
  before(async () => { a = await startAgent(); });
  after(() => a.stop());
  beforeEach(() => {
    uncaught.length = 0;
    process.on('unhandledRejection', onUncaught);
    process.on('uncaughtException', onUncaught);
  });
  afterEach(async () => {
    await new Promise((r) => setTimeout(r, 50));
    process.off('unhandledRejection', onUncaught);
    process.off('uncaughtException', onUncaught);
    assert.deepEqual(uncaught.map(String), [], 'the server threw nothing uncaught');
  });

  async function session(write = true): Promise<RawPeer> {
    const p = await a.raw();
    await p.handshake(a.scope({ write }));
    return p;
  }

  async function stillServes(): Promise<void> {
    const c = await a.open();
    try { assert.deepEqual((await c.call('ping', {})).meta, {}); } finally { c.close(); }
  }

  test('a HELLO whose session path fills the meta limit gets one short FAIL, not a crash', async () => {
    const p = await a.raw();
    const filler = MAX_META_BYTES - JSON.stringify({ endpoint: RW, path: '../', write: false }).length;
    p.frame(FrameType.HELLO, 0, { endpoint: RW, path: `../${'x'.repeat(filler)}`, write: false });
    const fail = await p.expect(FrameType.FAIL);
    assert.deepEqual([fail.id, fail.meta.code], [0, 'E_PATH_ESCAPE']);
    assert.ok(String(fail.meta.message).length < 10_000, 'the message is cut');
    assert.ok(await p.closedWithin(3000));
    await stillServes();
  });

  test('an endpoint name that fills the meta limit, with a valid proof, gets one FAIL, not a crash', async () => {
    const p = await a.raw();
    const scope = { endpoint: 'e'.repeat(MAX_META_BYTES - 40), path: '', write: false };
    p.frame(FrameType.HELLO, 0, { ...scope });
    const ch = await p.expect(FrameType.CHALLENGE);
    p.frame(FrameType.PROOF, 0, { proof: tokenProof(TOKEN, String(ch.meta.nonce), scope) });
    const fail = await p.expect(FrameType.FAIL);
    assert.deepEqual([fail.id, fail.meta.code], [0, 'E_BAD_INPUT']);
    assert.ok(await p.closedWithin(3000));
    await stillServes();
  });

  test('a call whose path fills the meta limit gets its own FAIL and the session goes on', async () => {
    const p = await session();
    const long = `a/../${'y'.repeat(MAX_META_BYTES - 100)}`;
    p.frame(FrameType.CALL, 5, { op: 'stat', path: long });
    p.frame(FrameType.CALL, 6, { op: 'mkdir', path: `${'z'.repeat(MAX_META_BYTES - 100)}` });
    p.frame(FrameType.CALL, 7, { op: 'ping' });
    const f5 = await p.expect(FrameType.FAIL);
    assert.deepEqual([f5.id, f5.meta.code], [5, 'E_PATH_ESCAPE']);
    const f6 = await p.expect(FrameType.FAIL);
    assert.deepEqual([f6.id, f6.meta.code], [6, 'E_NAME']);
    assert.equal((await p.expect(FrameType.REPLY)).id, 7);
    p.destroy();
  });

  test('bad fields for every call are E_PROTOCOL (never E_INTERNAL) and the session goes on', async () => {
    const p = await session();
    const wrong: Meta[] = [{}, { path: 5 }, { path: null }, { path: ['a'] }, { path: 'x', size: -1 }, { path: 'x', size: 1.5, sparse: false },
      { path: 'x', size: 1, sparse: 'no', replaces: true, hash: 'xxh3' }, { path: 'x', size: 1, sparse: false, replaces: true, hash: 7 },
      { handle: 'one' }, { handle: -1 }, { handle: 2 ** 53 }, { path: 'x', meta: [], choice: {} }, { path: 'x', meta: { mode: 1, uid: 0, gid: 0, mtimeNs: 1 }, choice: KEEP_OWNER },
      { path: 'x', type: 'door', meta: meta(0o644), choice: KEEP_OWNER }, { path: 'x', index: 'first', hash: 'aa' }, { existing: 3, path: 'x' }];
    const ops = ['stat', 'list', 'mkdir', 'symlink', 'link', 'remove', 'rmdir', 'setmeta', 'open-write', 'commit', 'abort', 'readback', 'write-whole',
      'open-read', 'open-partial-read', 'read', 'identity', 'close', 'prepare-partial', 'open-partial-write', 'record-chunk', 'commit-partial', 'abort-partial'];
    let id = 100;
    const sent = new Map<number, string>();
    for (const op of ops) for (const m of wrong) { sent.set(id, `${op} ${show(m)}`); p.frame(FrameType.CALL, id++, { ...m, op }); }
    for (const op of [5, null, '', 'unknown-op', 'constructor', '__proto__', 'toString']) { sent.set(id, `op ${String(op)}`); p.frame(FrameType.CALL, id++, { op }); }
    p.frame(FrameType.CALL, id, { op: 'ping' });
    const codes = new Map<string, number>();
    for (;;) {
      const f = await p.next(5000);
      assert.ok(f, 'every call is answered');
      if (f.id === id) { assert.equal(f.type, FrameType.REPLY); break; }
      if (f.type === FrameType.FAIL) {
        assert.notEqual(f.meta.code, 'E_INTERNAL', `${sent.get(f.id)}: ${String(f.meta.message)}`);
        codes.set(String(f.meta.code), (codes.get(String(f.meta.code)) ?? 0) + 1);
      }
    }
    assert.ok((codes.get('E_PROTOCOL') ?? 0) > ops.length * 5, JSON.stringify([...codes]));
    assert.equal(p.gone, false, 'the connection stays open');
    p.destroy();
  });

  test('WRITE frames to handles never opened, to read handles and with bad fields each get a FAIL; the session goes on', async () => {
    fs.writeFileSync(path.join(a.root, 'readable'), 'r');
    const p = await session();
    p.frame(FrameType.CALL, 1, { op: 'open-read', path: 'readable' });
    const rh = (await p.expect(FrameType.REPLY)).meta.handle as number;
    p.frame(FrameType.WRITE, 2, { handle: 999, offset: 0 }, Buffer.from('x'));
    p.frame(FrameType.WRITE, 3, { handle: rh, offset: 0 }, Buffer.from('x'));
    p.frame(FrameType.WRITE, 4, { handle: 'h', offset: 0 }, Buffer.from('x'));
    p.frame(FrameType.WRITE, 5, { handle: 1, offset: -5 }, Buffer.from('x'));
    p.frame(FrameType.WRITE, 6, {}, Buffer.alloc(0));
    p.frame(FrameType.CALL, 7, { op: 'ping' });
    for (const id of [2, 3, 4, 5, 6]) {
      const f = await p.expect(FrameType.FAIL);
      assert.deepEqual([f.id, f.meta.code], [id, 'E_PROTOCOL']);
    }
    assert.equal((await p.expect(FrameType.REPLY)).id, 7);
    assert.equal(fs.readFileSync(path.join(a.root, 'readable'), 'utf8'), 'r');
    p.destroy();
  });

  test('a second HELLO, or garbage, in an open session ends it with one FAIL and aborts its writers', async () => {
    for (const bad of [
      (p: RawPeer) => p.frame(FrameType.HELLO, 0, { endpoint: RW, path: '', write: true }),
      (p: RawPeer) => p.frame(FrameType.CHALLENGE, 0, {}),
      (p: RawPeer) => p.send(Buffer.from('GET / HTTP/1.1\r\n\r\n')),
      (p: RawPeer) => p.send(Buffer.from([0x42, 0x47, 1, 11, 0, 0, 0, 9, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])),
    ]) {
      const p = await session();
      p.frame(FrameType.CALL, 1, { op: 'open-write', path: 'victim', size: 10, sparse: false, replaces: true, hash: 'xxh3' });
      const h = (await p.expect(FrameType.REPLY)).meta.handle as number;
      p.frame(FrameType.WRITE, 2, { handle: h, offset: 0 }, Buffer.from('01234'));
      p.frame(FrameType.CALL, 3, { op: 'ping' });
      await p.expect(FrameType.REPLY);
      assert.equal(tempNames(a.root).length, 1);
      bad(p);
      const f = await p.expect(FrameType.FAIL);
      assert.deepEqual([f.id, f.meta.code], [0, 'E_PROTOCOL']);
      assert.ok(await p.closedWithin(3000), 'the server ended the connection');
      assert.ok(await eventually(() => tempNames(a.root).length === 0), 'the whole file in flight was removed');
    }
    assert.equal(fs.existsSync(path.join(a.root, 'victim')), false);
    await stillServes();
  });

  test('a peer that asks for data and never reads it does not make the server buffer without bound', async () => {
    fs.writeFileSync(path.join(a.root, 'four-mib'), pattern(4 * 1024 * 1024));
    const p = await session(false);
    p.socket.pause();
    const before = process.memoryUsage().arrayBuffers;
    p.frame(FrameType.CALL, 1, { op: 'open-read', path: 'four-mib' });
    for (let i = 0; i < 40; i++) p.frame(FrameType.CALL, 2 + i, { op: 'read', handle: 1, offset: 0, length: 4 * 1024 * 1024 });
    await new Promise((r) => setTimeout(r, 1500));
    const grew = process.memoryUsage().arrayBuffers - before;
    p.destroy();
    assert.ok(grew < 48 * 1024 * 1024, `the server holds ${Math.round(grew / 1024 / 1024)} MiB of replies for a peer that reads none (40 asked, 4 MiB each)`);
    await stillServes();
  });

  test('a write-whole whose data does not hash to its sentHash writes nothing', async () => {
    const p = await session();
    p.frame(FrameType.CALL, 1, { op: 'write-whole', path: 'ww', hash: 'xxh3', sentHash: hashOf(Buffer.from('abc')), meta: meta(0o644), choice: KEEP_OWNER }, Buffer.from('abd'));
    const f = await p.expect(FrameType.FAIL);
    assert.deepEqual([f.id, f.meta.code], [1, 'E_CHECKSUM']);
    assert.equal(fs.existsSync(path.join(a.root, 'ww')), false);
    p.destroy();
  });
});
