// A first call sent right behind the handshake's PROOF (DataConnection.openWithCall): the
// agent runs it once the session is open, its reply may share a read with the WELCOME, and
// a refused handshake fails it with the same reason. probeAndMakeBase uses it for mkbase.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BargeError } from '../core/errors.js';
import { DataConnection } from './data-connection.js';
import { encodeFrame, FrameDecoder, FrameType, type Frame } from './frame-codec.js';
import { RemoteStorage } from './remote-storage.js';
import { rejectsWith, startAgent, TOKEN, within, type ServedAgent } from './test-support/served-agent.js';

/**
 * A stand-in agent that answers HELLO with a CHALLENGE and, once it has both the PROOF and
 * the call behind it, sends the WELCOME and the call's REPLY in one write.
 */
function oneWriteAgent(): Promise<{ port: number; seen: Frame[]; close(): void }> {
  const seen: Frame[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    const d = new FrameDecoder(1024 * 1024);
    s.on('data', (chunk) => {
      for (const fr of d.push(chunk)) {
        seen.push(fr);
        if (fr.type === FrameType.HELLO) s.write(encodeFrame(FrameType.CHALLENGE, 0, { nonce: 'n', agent: 'stand-in' }));
        if (fr.type === FrameType.CALL) {
          s.write(Buffer.concat([
            encodeFrame(FrameType.WELCOME, 0, { agent: 'stand-in', maxData: 1024 * 1024, base: null, features: { hardlinks: true, sparse: true, owner: false, mtimeResolutionNs: 1n } }),
            encodeFrame(FrameType.REPLY, fr.id, { answered: fr.meta.op }),
          ]));
        }
      }
    });
    s.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as net.AddressInfo).port, seen,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  })));
}

describe('a first call behind the PROOF', () => {
  let a: ServedAgent;
  before(async () => { a = await startAgent(); });
  after(() => a.stop());

  test('goes out before the WELCOME is back, and its reply is taken when it shares a read with the WELCOME', async () => {
    const stand = await oneWriteAgent();
    try {
      const { c, reply } = await within(DataConnection.openWithCall({ host: '127.0.0.1', port: stand.port }, { endpoint: 'e', path: '', write: true }, { token: TOKEN }, { op: 'mkbase', meta: {} }), 5000, 'the handshake');
      assert.deepEqual(stand.seen.map((f) => f.type), [FrameType.HELLO, FrameType.PROOF, FrameType.CALL], 'the call came before any WELCOME was sent');
      assert.equal((await within(reply as Promise<Frame>, 5000, 'the first call\'s reply')).meta.answered, 'mkbase');
      c.close();
    } finally { stand.close(); }
  });

  test('probeAndMakeBase makes a missing directory in the handshake and gives its entry; base says it was not there', async () => {
    const t = { address: a.address, scope: a.scope({ path: 'new/deeper' }), credential: { token: TOKEN }, streams: 1, hash: 'xxh3' as const };
    const { storage, base, made } = await RemoteStorage.probeAndMakeBase(t);
    storage.close();
    assert.equal(base, null);
    assert.ok('entry' in made && made.entry?.type === 'dir', 'the made directory\'s entry');
    assert.ok(fs.statSync(path.join(a.root, 'new/deeper')).isDirectory());
  });

  test('probeAndMakeBase with a file in the way: base is the file, made holds E_EXISTS naming it, nothing is changed', async () => {
    fs.writeFileSync(path.join(a.root, 'in-the-way'), 'keep me');
    const t = { address: a.address, scope: a.scope({ path: 'in-the-way' }), credential: { token: TOKEN }, streams: 1, hash: 'xxh3' as const };
    const { storage, base, made } = await RemoteStorage.probeAndMakeBase(t);
    storage.close();
    assert.equal(base, 'file');
    assert.ok('error' in made);
    const e = made.error;
    assert.ok(e instanceof BargeError && e.code === 'E_EXISTS', `mkbase over a file: ${e instanceof Error ? e.message : 'not an Error'}`);
    assert.match(e.message, /in-the-way/);
    assert.equal(fs.readFileSync(path.join(a.root, 'in-the-way'), 'utf8'), 'keep me');
  });

  test('a refused handshake fails the probe with its reason, and the call behind it does not hang', async () => {
    const t = { address: a.address, scope: a.scope({ path: 'nope' }), credential: { token: 'not-the-token' }, streams: 1, hash: 'xxh3' as const };
    await rejectsWith(within(RemoteStorage.probeAndMakeBase(t), 5000, 'a refused probe'), 'E_AUTH', 'a wrong token');
    assert.equal(fs.existsSync(path.join(a.root, 'nope')), false, 'nothing was made');
  });
});
