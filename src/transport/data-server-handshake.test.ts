// The handshake against a real DataServer on 127.0.0.1: HELLO, CHALLENGE, PROOF, WELCOME
// with a token or a grant, and every way in that must be refused before a byte is written.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MAX_DATA_BYTES, FrameType } from './frame-codec.js';
import { newGrantKeys, signGrant, tokenProof, type GrantClaims } from './session-auth.js';
import { AGENT, rejectsWith, RO, RW, snapshot, startAgent, TOKEN, type ServedAgent } from './test-support/served-agent.js';

describe('handshake with a token', () => {
  let a: ServedAgent;
  before(async () => { a = await startAgent(); });
  after(() => a.stop());

  test('a client with the token gets a session and the WELCOME describes the endpoint', async () => {
    fs.mkdirSync(path.join(a.root, 'in'));
    fs.writeFileSync(path.join(a.root, 'afile'), 'x');
    const c = await a.open({ path: 'in' });
    try {
      assert.equal(c.welcome.agent, AGENT);
      assert.equal(c.welcome.maxData, DEFAULT_MAX_DATA_BYTES);
      assert.equal(c.welcome.base, 'dir');
      assert.deepEqual({ ...c.welcome.features, owner: false }, { hardlinks: true, sparse: true, owner: false, mtimeResolutionNs: 1n });
      assert.deepEqual((await c.call('ping', {})).meta, {});
    } finally { c.close(); }
    const missing = await a.open({ path: 'not/there/yet' });
    const file = await a.open({ path: 'afile', write: false });
    assert.deepEqual([missing.welcome.base, file.welcome.base], [null, 'file']);
    missing.close();
    file.close();
    assert.ok(a.events.some((e) => e.event === 'session' && e.detail === `${RW}:/in rw`), JSON.stringify(a.events));
  });

  test('a wrong token gets E_AUTH, one FAIL, the connection closed and nothing written', async () => {
    const before = snapshot(a.top);
    await rejectsWith(a.open({}, { token: `${TOKEN}x` }), 'E_AUTH', 'open with a wrong token');
    const p = await a.raw();
    const scope = a.scope();
    p.frame(FrameType.HELLO, 0, { ...scope });
    const ch = await p.expect(FrameType.CHALLENGE);
    p.frame(FrameType.PROOF, 0, { proof: tokenProof('guessed', String(ch.meta.nonce), scope) });
    // calls sent right behind the bad proof must not run
    p.frame(FrameType.CALL, 1, { op: 'mkdir', path: 'intruder' });
    p.frame(FrameType.CALL, 2, { op: 'write-whole', path: 'planted', hash: 'xxh3', sentHash: '0', meta: { mode: 420, uid: 0, gid: 0, mtimeNs: 1n }, choice: { owner: false } }, Buffer.from('x'));
    const fail = await p.expect(FrameType.FAIL);
    assert.deepEqual([fail.id, fail.meta.code], [0, 'E_AUTH']);
    assert.ok(await p.closedWithin(3000), 'the server closed the connection');
    assert.deepEqual(p.frames.length, 2, 'CHALLENGE and one FAIL, nothing else');
    assert.deepEqual(snapshot(a.top), before);
  });

  test('no token and no grant is E_AUTH; an empty grant is E_AUTH', async () => {
    const p = await a.raw();
    p.frame(FrameType.HELLO, 0, { endpoint: RW, path: '', write: true });
    await p.expect(FrameType.CHALLENGE);
    p.frame(FrameType.PROOF, 0, {});
    const fail = await p.expect(FrameType.FAIL);
    assert.equal(fail.meta.code, 'E_AUTH');
    assert.match(String(fail.meta.message), /no token or grant/);
    assert.ok(await p.closedWithin(3000));
    await rejectsWith(a.open({}, { grant: '' }), 'E_AUTH', 'an empty grant');
  });

  test('a proof seen on one connection is useless on another (new nonce)', async () => {
    const scope = a.scope();
    const first = await a.raw();
    first.frame(FrameType.HELLO, 0, { ...scope });
    const ch = await first.expect(FrameType.CHALLENGE);
    const proof = tokenProof(TOKEN, String(ch.meta.nonce), scope);
    first.frame(FrameType.PROOF, 0, { proof });
    await first.expect(FrameType.WELCOME);
    const second = await a.raw();
    second.frame(FrameType.HELLO, 0, { ...scope });
    const ch2 = await second.expect(FrameType.CHALLENGE);
    assert.notEqual(ch2.meta.nonce, ch.meta.nonce);
    second.frame(FrameType.PROOF, 0, { proof });
    assert.equal((await second.expect(FrameType.FAIL)).meta.code, 'E_AUTH');
    // nor for a wider scope on a third connection, even with the same nonce's proof
    const third = await a.raw();
    third.frame(FrameType.HELLO, 0, { ...scope, path: 'elsewhere' });
    await third.expect(FrameType.CHALLENGE);
    third.frame(FrameType.PROOF, 0, { proof });
    assert.equal((await third.expect(FrameType.FAIL)).meta.code, 'E_AUTH');
    first.destroy();
  });

  test('an unknown endpoint is E_BAD_INPUT', async () => {
    await rejectsWith(a.open({ endpoint: 'nope' }), 'E_BAD_INPUT');
  });

  test('a write session on a read-only endpoint is E_READ_ONLY; a read session is served', async () => {
    const before = snapshot(a.roRoot);
    await rejectsWith(a.open({ endpoint: RO, write: true }), 'E_READ_ONLY');
    const c = await a.open({ endpoint: RO, write: false });
    try {
      const st = (await c.call('stat', { path: 'kept' })).meta.entry as { size: number };
      assert.equal(st.size, 'archived bytes'.length);
    } finally { c.close(); }
    assert.deepEqual(snapshot(a.roRoot), before);
  });

  test("a session path with '..' or NUL is E_PATH_ESCAPE", async () => {
    for (const p of ['..', '../outside', 'a/../../outside', 'in/..', '..\0']) await rejectsWith(a.open({ path: p }), 'E_PATH_ESCAPE', `session path ${JSON.stringify(p)}`);
    await rejectsWith(a.open({ path: 'a\0b' }), 'E_PATH_ESCAPE', 'NUL');
  });

  test('a first frame other than HELLO, or bad HELLO fields, end the connection with E_PROTOCOL and run nothing', async () => {
    const cases: [string, (p: Awaited<ReturnType<ServedAgent['raw']>>) => void][] = [
      ['a CALL first', (p) => p.frame(FrameType.CALL, 1, { op: 'mkdir', path: 'first-call' })],
      ['a WRITE first', (p) => p.frame(FrameType.WRITE, 1, { handle: 1, offset: 0 }, Buffer.from('x'))],
      ['a PROOF first', (p) => p.frame(FrameType.PROOF, 0, { proof: 'x' })],
      ['HELLO without a path', (p) => p.frame(FrameType.HELLO, 0, { endpoint: RW, write: true })],
      ['HELLO with write "yes"', (p) => p.frame(FrameType.HELLO, 0, { endpoint: RW, path: '', write: 'yes' })],
      ['HELLO with a numeric endpoint', (p) => p.frame(FrameType.HELLO, 0, { endpoint: 7, path: '', write: false })],
      ['HELLO with a numeric grant', (p) => p.frame(FrameType.HELLO, 0, { endpoint: RW, path: '', write: false, grant: 5 })],
    ];
    for (const [what, send] of cases) {
      const p = await a.raw();
      send(p);
      const fail = await p.expect(FrameType.FAIL);
      assert.deepEqual([fail.id, fail.meta.code], [0, 'E_PROTOCOL'], what);
      assert.ok(await p.closedWithin(3000), `${what}: closed`);
    }
    assert.equal(fs.existsSync(path.join(a.root, 'first-call')), false);
  });

  test('a CALL between HELLO and PROOF is refused and not run', async () => {
    const p = await a.raw();
    p.frame(FrameType.HELLO, 0, { ...a.scope() });
    await p.expect(FrameType.CHALLENGE);
    p.frame(FrameType.CALL, 1, { op: 'mkdir', path: 'between' });
    assert.equal((await p.expect(FrameType.FAIL)).meta.code, 'E_PROTOCOL');
    assert.ok(await p.closedWithin(3000));
    assert.equal(fs.existsSync(path.join(a.root, 'between')), false);
  });
});

describe('handshake with a grant', () => {
  const NOW = 1_900_000_000_000;
  const keys = newGrantKeys();
  const forger = newGrantKeys();
  const claims: GrantClaims = { agent: AGENT, endpoint: RW, path: 'runs', write: true, exp: NOW + 60_000 };
  let a: ServedAgent;
  before(async () => { a = await startAgent({ tokens: [], grantKeys: [keys.publicKey], now: () => NOW }); });
  after(() => a.stop());

  test('a valid grant opens a session confined to its subtree', async () => {
    const c = await a.open({ path: 'runs/7' }, { grant: signGrant(keys.privateKey, claims) });
    try {
      await c.call('mkbase', {});
      await c.call('mkdir', { path: 'out' });
      await rejectsWith(c.call('mkdir', { path: '../escape' }), 'E_PATH_ESCAPE');
    } finally { c.close(); }
    assert.ok(fs.statSync(path.join(a.root, 'runs/7/out')).isDirectory());
    assert.equal(fs.existsSync(path.join(a.root, 'runs/escape')), false);
  });

  test('expired, forged, tampered, other-agent, other-endpoint, outside-subtree and read-only-for-write grants are E_AUTH', async () => {
    const before = snapshot(a.top);
    const good = signGrant(keys.privateKey, claims);
    const [, sig] = good.split('.') as [string, string];
    const bad: [string, string, Partial<{ path: string; endpoint: string; write: boolean }>][] = [
      ['expired', signGrant(keys.privateKey, { ...claims, exp: NOW - 1 }), { path: 'runs' }],
      ['forged', signGrant(forger.privateKey, claims), { path: 'runs' }],
      ['tampered', `${Buffer.from(JSON.stringify({ ...claims, path: '' })).toString('base64url')}.${sig}`, { path: '' }],
      ['other agent', signGrant(keys.privateKey, { ...claims, agent: 'agent-b' }), { path: 'runs' }],
      ['other endpoint', signGrant(keys.privateKey, { ...claims, endpoint: RO }), { path: 'runs' }],
      ['outside the subtree', good, { path: 'runsx' }],
      ['above the subtree', good, { path: '' }],
      ['read-only grant, write session', signGrant(keys.privateKey, { ...claims, write: false }), { path: 'runs' }],
    ];
    for (const [what, grant, scope] of bad) {
      await rejectsWith(a.open(scope, { grant }), 'E_AUTH', what);
    }
    await rejectsWith(a.open({ path: 'runs' }, { token: TOKEN }), 'E_AUTH', 'a token on an agent that has none');
    assert.deepEqual(snapshot(a.top), before);
  });
});

describe('handshake timeout', () => {
  let a: ServedAgent;
  before(async () => { a = await startAgent({ handshakeTimeoutMs: 250 }); });
  after(() => a.stop());

  test('a client that sends HELLO and then nothing is dropped after the handshake timeout', async () => {
    const t0 = Date.now();
    const p = await a.raw();
    p.frame(FrameType.HELLO, 0, { ...a.scope() });
    await p.expect(FrameType.CHALLENGE);
    const fail = await p.expect(FrameType.FAIL, 5000);
    assert.deepEqual([fail.id, fail.meta.code], [0, 'E_AUTH']);
    assert.match(String(fail.meta.message), /in time/);
    assert.ok(await p.closedWithin(3000), 'closed');
    assert.ok(Date.now() - t0 >= 200, `dropped after ${Date.now() - t0} ms, not before the timeout`);
  });

  test('so is a client that connects and sends nothing, or half a frame', async () => {
    const silent = await a.raw();
    const half = await a.raw();
    half.send(Buffer.from('BG\x01\x01'));
    for (const p of [silent, half]) {
      assert.equal((await p.expect(FrameType.FAIL, 5000)).meta.code, 'E_AUTH');
      assert.ok(await p.closedWithin(3000));
    }
  });

  test('a session that finished its handshake is not dropped by the timer', async () => {
    const c = await a.open();
    await new Promise((r) => setTimeout(r, 400));
    try { assert.deepEqual((await c.call('ping', {})).meta, {}); } finally { c.close(); }
  });
});
