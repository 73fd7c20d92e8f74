// A chunk write's handle chosen by the sender: the open goes out and the chunk's bytes
// follow it at once, without a round trip for the agent's answer. An open that fails
// drops the bytes sent behind it, without a FAIL for each, and its close answers with the
// open's failure; a number out of range or already open is refused.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BargeError } from '../core/errors.js';
import { FrameType } from './frame-codec.js';
import { RemoteStorage } from './remote-storage.js';
import { CLIENT_HANDLE_MIN } from './session-handles.js';
import { hashOf, pattern, rejectsWith, startAgent, TOKEN, within, type ServedAgent } from './test-support/served-agent.js';

const CHUNK = 1024 * 1024;
const SIZE = 2 * CHUNK;

/** a TCP relay to the agent that holds what the agent sends back while `hold` is on */
function gatedRelay(port: number): Promise<{ port: number; hold(on: boolean): void; backBytes(): number; close(): void }> {
  let holding = false;
  let back = 0;
  const held: { to: net.Socket; bytes: Buffer }[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((client) => {
    const agent = net.connect({ host: '127.0.0.1', port });
    sockets.push(client, agent);
    client.on('data', (b) => agent.write(b));
    agent.on('data', (b) => {
      if (holding) { held.push({ to: client, bytes: b }); return; }
      back += b.length;
      client.write(b);
    });
    for (const s of [client, agent]) s.on('error', () => { client.destroy(); agent.destroy(); });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as net.AddressInfo).port,
    hold: (on) => {
      holding = on;
      if (on) return;
      for (const h of held.splice(0)) { back += h.bytes.length; h.to.write(h.bytes); }
    },
    backBytes: () => back,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  })));
}

describe('chunk writes under a handle the sender chose', () => {
  let a: ServedAgent;
  before(async () => { a = await startAgent(); });
  after(() => a.stop());

  test('the writer is returned and its bytes sent before the agent has answered the open; the chunk lands and is recorded', async () => {
    const relay = await gatedRelay(a.port);
    const s = (await RemoteStorage.probe({ address: { host: '127.0.0.1', port: relay.port }, scope: a.scope(), credential: { token: TOKEN }, streams: 1, hash: 'xxh3' })).storage;
    try {
      const p = await s.preparePartial('held', { size: SIZE, sparse: false, identity: 'v1', chunkSize: CHUNK });
      const bytes = pattern(CHUNK, 4);
      relay.hold(true);
      const backBefore = relay.backBytes();
      const w = await within(s.openPartialWrite('held', { size: SIZE, sparse: false, ...(p.owner === undefined ? {} : { owner: p.owner }) }), 5000, 'the open, with no answer let through');
      for (let off = 0; off < CHUNK; off += 256 * 1024) await within(w.write(bytes.subarray(off, off + 256 * 1024), CHUNK + off), 5000, 'a write behind the unanswered open');
      assert.equal(relay.backBytes(), backBefore, 'nothing came back from the agent: the open was not waited for');
      const recorded = (w.closeAndRecord as NonNullable<typeof w.closeAndRecord>).call(w, hashOf(bytes), { path: 'held', index: 1, ...(p.owner === undefined ? {} : { owner: p.owner }) });
      relay.hold(false);
      await recorded;
      const again = await s.preparePartial('held', { size: SIZE, sparse: false, identity: 'v1', chunkSize: CHUNK });
      assert.deepEqual([...again.recorded], [[1, hashOf(bytes)]]);
      const r = await s.openPartialRead('held');
      const back = Buffer.alloc(CHUNK);
      let at = 0;
      while (at < CHUNK) at += await r.read(back.subarray(at), CHUNK - at, CHUNK + at);
      await r.close();
      assert.ok(back.equals(bytes));
    } finally {
      s.close();
      relay.close();
    }
  });

  test('an open that fails (the partial taken over): its writes fail, its close reports E_CHANGED, nothing lands, the connection serves on', async () => {
    const s = await a.remote({}, { streams: 1 });
    try {
      const first = await s.preparePartial('taken', { size: SIZE, sparse: false, identity: 'v1', chunkSize: CHUNK });
      await s.preparePartial('taken', { size: SIZE, sparse: false, identity: 'v2', chunkSize: CHUNK }); // another run takes it over
      const w = await s.openPartialWrite('taken', { size: SIZE, sparse: false, owner: first.owner });
      const bytes = pattern(CHUNK, 9);
      let writeFailed: unknown;
      try {
        for (let off = 0; off < CHUNK; off += 64 * 1024) await w.write(bytes.subarray(off, off + 64 * 1024), off);
      } catch (e) { writeFailed = e; }
      await rejectsWith(w.close(hashOf(bytes)), 'E_CHANGED', 'the close of a writer whose open failed');
      if (writeFailed !== undefined) assert.equal(writeFailed instanceof BargeError && writeFailed.code, 'E_CHANGED', "a write after the open failed fails with its error");
      const r = await s.openPartialRead('taken');
      const seen = Buffer.alloc(CHUNK);
      await r.read(seen, CHUNK, 0);
      await r.close();
      assert.ok(seen.equals(Buffer.alloc(CHUNK)), 'the bytes sent behind the failed open landed nowhere');
      assert.equal((await s.stat('taken'))?.type, undefined, 'the same connection answers');
    } finally { s.close(); }
  });

  test('on the wire: the WRITEs behind a failed open get no FAIL of their own; its close answers the open\'s error', async () => {
    const p = await a.rawSession();
    const h = CLIENT_HANDLE_MIN + 7;
    p.frame(FrameType.CALL, 1, { op: 'open-partial-write', path: 'never-prepared', size: 4096, sparse: false, hash: 'xxh3', handle: h });
    for (let i = 0; i < 4; i++) p.frame(FrameType.WRITE, 2 + i, { handle: h, offset: i * 1024 }, pattern(1024, i));
    p.frame(FrameType.CALL, 6, { op: 'close', handle: h, sentHash: hashOf(pattern(4096, 1)) });
    p.frame(FrameType.CALL, 7, { op: 'ping' });
    const open = await p.expect(FrameType.FAIL);
    assert.deepEqual([open.id, open.meta.code], [1, 'E_NOT_FOUND']);
    const close = await p.expect(FrameType.FAIL);
    assert.deepEqual([close.id, close.meta.code], [6, 'E_NOT_FOUND'], 'the close answers the open\'s failure (no FAIL came for the WRITEs before it)');
    assert.equal((await p.expect(FrameType.REPLY)).id, 7);
    // the failure was reported once: a second close of the number is a handle not open
    p.frame(FrameType.CALL, 8, { op: 'close', handle: h });
    const again = await p.expect(FrameType.FAIL);
    assert.deepEqual([again.id, again.meta.code], [8, 'E_PROTOCOL']);
    p.destroy();
  });

  test('a chosen number out of range is refused; one already open is refused and the write open under it fails its check', async () => {
    fs.writeFileSync(path.join(a.root, 'x'), 'x');
    const s = await a.remote({}, { streams: 1 });
    const prepared = await s.preparePartial('clash', { size: 4096, sparse: false, identity: 'v1', chunkSize: 4096 });
    s.close();
    const p = await a.rawSession();
    const open = (id: number, handle: unknown): void => p.frame(FrameType.CALL, id, { op: 'open-partial-write', path: 'clash', size: 4096, sparse: false, hash: 'xxh3', handle, ...(prepared.owner === undefined ? {} : { owner: prepared.owner }) });
    open(1, 5);
    assert.equal((await p.expect(FrameType.FAIL)).meta.code, 'E_PROTOCOL', 'a number below the client\'s range');
    open(2, 2 ** 32);
    assert.equal((await p.expect(FrameType.FAIL)).meta.code, 'E_PROTOCOL', 'a number past 32 bits');
    const h = CLIENT_HANDLE_MIN;
    open(3, h);
    assert.equal((await p.expect(FrameType.REPLY)).meta.handle, h);
    const bytes = pattern(4096, 3);
    p.frame(FrameType.WRITE, 4, { handle: h, offset: 0 }, bytes);
    open(5, h);
    assert.equal((await p.expect(FrameType.FAIL)).meta.code, 'E_PROTOCOL', 'a number already open');
    p.frame(FrameType.CALL, 6, { op: 'close', handle: h, sentHash: hashOf(bytes) });
    const close = await p.expect(FrameType.FAIL);
    assert.deepEqual([close.id, close.meta.code], [6, 'E_PROTOCOL'], 'the write already open under the number is not taken either');
    p.frame(FrameType.CALL, 7, { op: 'record-chunk', path: 'clash', index: 0, hash: hashOf(bytes), ...(prepared.owner === undefined ? {} : { owner: prepared.owner }) });
    assert.equal((await p.expect(FrameType.FAIL)).meta.code, 'E_PROTOCOL', 'nothing was checked, so nothing is recorded');
    p.destroy();
  });

  test('a connection to an agent that does not take chosen numbers chooses none', async () => {
    const c = await a.open();
    try {
      assert.equal(c.welcome.chosenHandles, true, 'this agent says it takes them');
      assert.ok((c.chooseHandle() ?? 0) >= CLIENT_HANDLE_MIN);
      c.welcome = { ...c.welcome, chosenHandles: false }; // as an older agent's WELCOME reads
      assert.equal(c.chooseHandle(), undefined);
    } finally { c.close(); }
  });
});
