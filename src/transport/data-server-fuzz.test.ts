// Fuzzing a real DataServer, run in a process of its own: thousands of random byte strings,
// then thousands of valid sessions whose frames are mutated (bit flips, truncations,
// wrong lengths and types, huge declared lengths, fields of the wrong type, unknown ops,
// writes to handles never opened). The process must stay up, every connection must be
// answered with FAILs or ended, nothing outside the endpoint may change, and a normal
// client must still write a file correctly afterwards. BARGE_FUZZ_SEED replays a run.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../core/errors.js';
import { encodeFrame, FrameDecoder, FrameType, HEADER_BYTES, type Frame, type FrameTypeCode, type Meta } from './frame-codec.js';
import { RemoteStorage } from './remote-storage.js';
import { tokenProof, type SessionScope } from './session-auth.js';
import { eventually, hashOf, KEEP_OWNER, meta, pattern, Prng, RW, show, snapshot, TOKEN } from './test-support/served-agent.js';

const SEED = Number(process.env.BARGE_FUZZ_SEED ?? 0x5eed);
const RANDOM_STRINGS = 2000;
const MUTATED_SESSIONS = 1500;
/** the random strings' agent drops unfinished handshakes soon; the mutated sessions' agent
 * must not drop a slow but honest handshake on a busy machine */
const SHORT_HANDSHAKE_MS = 300;
const LONG_HANDSHAKE_MS = 10_000;

interface Child { proc: ChildProcess; port: number; root: string; outside: string; stderr: () => string }

async function startChild(handshakeMs: number): Promise<Child> {
  const file = fileURLToPath(new URL('./test-support/fuzz-agent-process.js', import.meta.url));
  const proc = fork(file, [String(handshakeMs)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let err = '';
  proc.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  proc.stdout?.on('data', (b: Buffer) => { err += b.toString(); });
  const hello = await new Promise<{ port: number; root: string; outside: string }>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as { port: number; root: string; outside: string }));
    proc.once('exit', (code) => reject(new Error(`the agent process exited (${code}) before it listened: ${err}`)));
  });
  return { proc, ...hello, stderr: () => err };
}

function ask(proc: ChildProcess, what: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    proc.once('message', (m) => resolve(m as Record<string, unknown>));
    proc.send(what);
  });
}

interface Outcome {
  frames: Frame[];
  decodeError: unknown;
  closed: boolean;
  welcomed: boolean;
}

/**
 * Connects, optionally does the handshake, sends `body`, and waits for the server to end
 * the connection (we half-close after sending when `endAfter`); `deadline` bounds it all.
 */
function exchange(port: number, o: { scope?: SessionScope; body: Buffer; endAfter: boolean; deadlineMs: number; lastId?: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const dec = new FrameDecoder(64 * 1024 * 1024);
    const out: Outcome = { frames: [], decodeError: undefined, closed: false, welcomed: false };
    const timer = setTimeout(() => { s.destroy(); }, o.deadlineMs);
    const sendBody = (): void => {
      s.write(o.body);
      if (o.endAfter) s.end();
    };
    s.on('error', () => { /* 'close' follows */ });
    s.on('close', () => { clearTimeout(timer); resolve(out); });
    s.on('end', () => { out.closed = true; });
    s.on('data', (chunk: Buffer) => {
      let frames: Frame[] = [];
      try { frames = dec.push(chunk); } catch (e) { out.decodeError = e; }
      for (const f of frames) {
        out.frames.push(f);
        if (out.welcomed && f.id === o.lastId) s.end();
        if (!o.scope || out.welcomed) continue;
        if (f.type === FrameType.CHALLENGE) s.write(encodeFrame(FrameType.PROOF, 0, { proof: tokenProof(TOKEN, String(f.meta.nonce), o.scope) }));
        if (f.type === FrameType.WELCOME) { out.welcomed = true; sendBody(); }
      }
    });
    s.on('connect', () => {
      if (o.scope) s.write(encodeFrame(FrameType.HELLO, 0, { ...o.scope }));
      else sendBody();
    });
  });
}

/** runs `n` jobs, `width` at a time; the first failure stops the others and is thrown once they are done */
async function pool(n: number, width: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { e: unknown } | undefined;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n && !failure) {
      try { await job(next++); } catch (e) { failure ??= { e }; }
    }
  }));
  if (failure) throw failure.e;
}

function header(type: number, id: number, metaLen: number, dataLen: number, magic = 0x4247, version = 1): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt16BE(magic, 0);
  h.writeUInt8(version, 2);
  h.writeUInt8(type, 3);
  h.writeUInt32BE(id >>> 0, 4);
  h.writeUInt32BE(metaLen >>> 0, 8);
  h.writeUInt32BE(dataLen >>> 0, 12);
  return h;
}

const TYPES = Object.values(FrameType) as number[];

/** one input of the random-bytes phase: pure noise, or noise behind more and more valid structure */
function randomInput(r: Prng): Buffer {
  const noise = (max: number): Buffer => r.bytes(r.int(max));
  switch (r.int(6)) {
    case 0: return noise(r.next() < 0.9 ? 200 : 5000);
    case 1: return Buffer.concat([Buffer.from('BG'), noise(300)]);
    case 2: return Buffer.concat([header(r.pick(TYPES), r.int(2 ** 32), r.int(64), r.int(64)), noise(200)]);
    case 3: return Buffer.concat([header(r.int(256), r.int(2 ** 32), r.pick([r.int(2 ** 32), 65537, 0]), r.pick([r.int(2 ** 32), 2 ** 32 - 1, 0]), r.next() < 0.5 ? 0x4247 : r.int(65536), r.int(4))]);
    case 4: {
      const hello = encodeFrame(FrameType.HELLO, 0, r.next() < 0.5 ? { endpoint: RW, path: '', write: true } : { endpoint: r.bytes(8).toString('latin1'), path: '..', write: 1 });
      return Buffer.concat([hello, r.next() < 0.5 ? encodeFrame(FrameType.PROOF, r.int(9), { proof: r.bytes(32).toString('base64url') }) : noise(100)]);
    }
    default: return Buffer.concat([encodeFrame(r.pick(TYPES) as FrameTypeCode, r.int(9), { op: 'mkdir', path: 'x' }), noise(64)]);
  }
}

interface Script { frames: { type: FrameTypeCode; id: number; meta: Meta; data: Buffer }[] }

/** a valid session's frames, in order, as a client would send them without waiting */
function baseScript(): Script {
  const m = meta(0o644);
  const c = KEEP_OWNER;
  const hw = Buffer.from('helloworld');
  const frames: Script['frames'] = [];
  let id = 1;
  const call = (mm: Meta, data = Buffer.alloc(0)): void => { frames.push({ type: FrameType.CALL, id: id++, meta: mm, data }); };
  const write = (handle: number, offset: number, data: Buffer): void => { frames.push({ type: FrameType.WRITE, id: id++, meta: { handle, offset }, data }); };
  call({ op: 'mkbase' });
  call({ op: 'mkdir', path: 'd' });
  call({ op: 'open-write', path: 'd/f', size: 10, sparse: false, replaces: true, hash: 'xxh3' }); // handle 1
  write(1, 0, hw.subarray(0, 5));
  write(1, 5, hw.subarray(5));
  call({ op: 'commit', handle: 1, meta: m, choice: c, sentHash: hashOf(hw) });
  call({ op: 'stat', path: 'd/f' });
  call({ op: 'list', path: 'd' });
  call({ op: 'open-read', path: 'd/f' }); // handle 2
  call({ op: 'read', handle: 2, offset: 0, length: 10 });
  call({ op: 'identity', handle: 2 });
  call({ op: 'close', handle: 2 });
  call({ op: 'write-whole', path: 'd/w', hash: 'xxh3', sentHash: hashOf(Buffer.from('whole')), meta: m, choice: c }, Buffer.from('whole'));
  call({ op: 'prepare-partial', path: 'd/p', size: 8, sparse: false, identity: 'id', chunkSize: 4 });
  call({ op: 'open-partial-write', path: 'd/p', size: 8, sparse: false, hash: 'xxh3' }); // handle 3
  write(3, 0, Buffer.from('abcd'));
  call({ op: 'close', handle: 3, sentHash: hashOf(Buffer.from('abcd')) });
  call({ op: 'record-chunk', path: 'd/p', index: 0, hash: hashOf(Buffer.from('abcd')) });
  call({ op: 'commit-partial', path: 'd/p', meta: m, choice: c });
  call({ op: 'symlink', path: 'd/s', target: 'f', meta: m, choice: c });
  call({ op: 'setmeta', path: 'd/s', type: 'symlink', meta: m, choice: c });
  call({ op: 'link', existing: 'd/f', path: 'd/h' });
  call({ op: 'open-write', path: 'd/g', size: 2, sparse: false, replaces: true, hash: 'xxh3' }); // handle 4, left open
  write(4, 0, Buffer.from('zz'));
  call({ op: 'remove', path: 'd/w' });
  call({ op: 'ping' });
  return { frames };
}

const encodeAll = (s: Script): Buffer => Buffer.concat(s.frames.map((f) => encodeFrame(f.type, f.id, f.meta, f.data)));

const WRONG_VALUES: unknown[] = [-1, 1.5, 2 ** 60, 'str', null, true, false, [], {}, 12345678901234567890n, 'x'.repeat(5000), '..', '../..', '/etc', '', 'd/../../x',
  { mode: 'rw' }, [1, 2], 0, 2 ** 32, -0, 'xxh3', 'd/f', '\u0000'];
const OPS = ['stat', 'list', 'mkdir', 'mkbase', 'symlink', 'link', 'remove', 'rmdir', 'setmeta', 'open-write', 'commit', 'abort', 'readback', 'write-whole',
  'open-read', 'open-partial-read', 'read', 'identity', 'close', 'prepare-partial', 'open-partial-write', 'record-chunk', 'commit-partial', 'abort-partial', 'ping'];

/** 1-3 mutations of a valid script, at the frame level, then maybe at the byte level */
function mutate(r: Prng, base: Script): Buffer {
  const frames = base.frames.map((f) => ({ ...f, meta: { ...f.meta } }));
  const pickFrame = () => frames[r.int(frames.length)] as Script['frames'][number];
  const structural = r.int(3);
  for (let k = 0; k < structural; k++) {
    switch (r.int(7)) {
      case 0: { const f = pickFrame(); const keys = Object.keys(f.meta); const key = keys.length ? r.pick(keys) : 'path'; f.meta[key] = r.pick(WRONG_VALUES); break; }
      case 1: { const f = pickFrame(); const keys = Object.keys(f.meta); if (keys.length) delete f.meta[r.pick(keys)]; break; }
      case 2: { const f = pickFrame(); f.meta.op = r.next() < 0.5 ? r.pick(OPS) : r.bytes(1 + r.int(12)).toString('latin1'); break; }
      case 3: { const f = pickFrame(); f.meta.handle = r.pick([0, 1, 2, 3, 4, 5, 99, 2 ** 31, 2 ** 53 - 1]); break; }
      case 4: frames.splice(r.int(frames.length + 1), 0, { type: FrameType.WRITE, id: r.int(2 ** 32), meta: { handle: r.int(8), offset: r.int(1 << 20) }, data: r.bytes(r.int(300)) }); break;
      case 5: { const i = r.int(frames.length); const j = r.int(frames.length); const t = frames[i]; frames[i] = frames[j] as Script['frames'][number]; frames[j] = t as Script['frames'][number]; break; }
      default: { const f = pickFrame(); f.type = r.pick(TYPES) as FrameTypeCode; break; }
    }
  }
  let bytes: Buffer;
  try { bytes = Buffer.concat(frames.map((f) => encodeFrame(f.type, f.id, f.meta, f.data))); } catch { bytes = encodeAll(base); }
  const byteLevel = structural === 0 ? 1 + r.int(2) : r.int(2);
  for (let k = 0; k < byteLevel; k++) {
    switch (r.int(6)) {
      case 0: { bytes = Buffer.from(bytes); for (let n = 1 + r.int(8); n > 0; n--) { const at = r.int(bytes.length); bytes[at] = (bytes[at] ?? 0) ^ (1 << r.int(8)); } break; }
      case 1: bytes = bytes.subarray(0, r.int(bytes.length)); break;
      case 2: { const at = r.int(bytes.length + 1); bytes = Buffer.concat([bytes.subarray(0, at), r.bytes(1 + r.int(64)), bytes.subarray(at)]); break; }
      case 3: { const at = r.int(bytes.length); const n = r.int(200); bytes = Buffer.concat([bytes.subarray(0, at + n), bytes.subarray(at)]); break; }
      case 4: {
        // a length field of the first frame made a little or a lot wrong
        bytes = Buffer.from(bytes);
        const field = r.pick([8, 12]);
        if (bytes.length >= HEADER_BYTES) bytes.writeUInt32BE(r.next() < 0.5 ? Math.max(0, bytes.readUInt32BE(field) + r.int(17) - 8) : r.int(2 ** 32), field);
        break;
      }
      default: { bytes = Buffer.from(bytes); if (bytes.length >= HEADER_BYTES) bytes[3] = r.int(256); break; }
    }
  }
  return bytes;
}

/** a frame header the server must refuse on sight */
function fatalHeader(r: Prng): Buffer {
  switch (r.int(5)) {
    case 0: return header(FrameType.CALL, 1, 0, 0, r.int(0x4247));
    case 1: return header(FrameType.CALL, 1, 0, 0, 0x4247, 2 + r.int(250));
    case 2: return header(r.pick([0, 5, 9, 12, 19, 22, 255]), 1, 0, 0);
    case 3: return header(FrameType.CALL, 1, 65537 + r.int(2 ** 31), 0);
    default: return header(FrameType.WRITE, 1, 0, 16 * 1024 * 1024 + 1 + r.int(2 ** 31));
  }
}

function checkServerFrames(o: Outcome, what: string): void {
  assert.equal(o.decodeError, undefined, `${what}: the server sent something that is not a frame`);
  for (const f of o.frames) {
    if (f.type !== FrameType.FAIL) continue;
    assert.ok(typeof f.meta.code === 'string' && f.meta.code in ERROR_CODES, `${what}: FAIL code ${String(f.meta.code)}`);
    assert.notEqual(f.meta.code, 'E_INTERNAL', `${what}: an internal error: ${String(f.meta.message)}`);
  }
}

describe(`fuzzing served agents (seed ${SEED})`, () => {
  /** the agent that takes the random strings, and the one that takes the mutated sessions */
  let strings: Child;
  let sessions: Child;
  const outsideBefore = new Map<Child, Map<string, string>>();
  before(async () => {
    [strings, sessions] = await Promise.all([startChild(SHORT_HANDSHAKE_MS), startChild(LONG_HANDSHAKE_MS)]);
    for (const c of [strings, sessions]) outsideBefore.set(c, snapshot(c.outside));
  });
  after(async () => {
    for (const c of [strings, sessions]) {
      if (c.proc.exitCode !== null) continue;
      const gone = new Promise((r) => c.proc.once('exit', r));
      c.proc.send('stop');
      await gone;
    }
  });

  test('the valid session script runs cleanly unmutated (the base of the mutations)', async () => {
    const script = baseScript();
    const lastId = (script.frames[script.frames.length - 1] as Frame).id;
    const o = await exchange(sessions.port, { scope: { endpoint: RW, path: 'fz/base', write: true }, body: encodeAll(script), endAfter: false, deadlineMs: 10_000, lastId });
    assert.equal(o.frames[o.frames.length - 1]?.id, lastId, 'the last call was answered');
    checkServerFrames(o, 'base');
    const fails = o.frames.filter((f) => f.type === FrameType.FAIL).map((f) => `${f.id} ${String(f.meta.code)} ${String(f.meta.message)}`);
    assert.deepEqual(fails, []);
    assert.equal(o.frames.filter((f) => f.type === FrameType.REPLY).length, script.frames.filter((f) => f.type === FrameType.CALL).length);
    const d = path.join(sessions.root, 'fz/base/d');
    assert.deepEqual(fs.readdirSync(d).filter((n) => !n.endsWith('.tmp')).sort(), ['f', 'h', 'p', 's']);
    assert.equal(fs.readFileSync(path.join(d, 'f'), 'utf8'), 'helloworld');
    assert.equal(fs.readFileSync(path.join(d, 'p'), 'utf8').slice(0, 4), 'abcd');
  });

  test(`${RANDOM_STRINGS} random byte strings: each gets exactly one FAIL and is closed by the server`, async () => {
    const r = new Prng(SEED);
    const inputs = Array.from({ length: RANDOM_STRINGS }, () => randomInput(r));
    const codes = new Map<string, number>();
    await pool(inputs.length, 64, async (i) => {
      const input = inputs[i] as Buffer;
      const what = `input ${i} (seed ${SEED}) ${input.subarray(0, 24).toString('hex')}… (${input.length} bytes)`;
      const o = await exchange(strings.port, { body: input, endAfter: false, deadlineMs: SHORT_HANDSHAKE_MS + 4000 });
      checkServerFrames(o, what);
      assert.ok(o.closed, `${what}: the server did not end the connection`);
      assert.ok(o.frames.every((f) => f.type === FrameType.CHALLENGE || f.type === FrameType.FAIL), `${what}: ${o.frames.map((f) => f.type).join(',')}`);
      const fails = o.frames.filter((f) => f.type === FrameType.FAIL);
      assert.equal(fails.length, 1, `${what}: ${fails.length} FAIL frames`);
      assert.equal(o.frames[o.frames.length - 1], fails[0], `${what}: the FAIL is the last frame`);
      assert.equal(fails[0]?.id, 0);
      const code = String(fails[0]?.meta.code);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    });
    assert.ok((codes.get('E_PROTOCOL') ?? 0) > RANDOM_STRINGS / 2, JSON.stringify([...codes]));
    assert.ok((codes.get('E_AUTH') ?? 0) > 0, JSON.stringify([...codes]));
  });

  test(`${MUTATED_SESSIONS} mutated sessions: answered with REPLY/FAIL frames only, every connection ends`, async () => {
    const r = new Prng(SEED ^ 0x9e3779b9);
    const base = baseScript();
    const jobs = Array.from({ length: MUTATED_SESSIONS }, (_, i) => {
      const fatal = r.next() < 0.15;
      // a fatal header goes after whole frames, where the server must read it as a header
      const body = fatal ? Buffer.concat([encodeAll({ frames: base.frames.slice(0, r.int(base.frames.length)) }), fatalHeader(r)]) : mutate(r, base);
      return { i, fatal, body, write: r.next() < 0.85 };
    });
    let failed = 0;
    let refused = 0;
    await pool(jobs.length, 24, async (i) => {
      const j = jobs[i] as (typeof jobs)[number];
      const what = `mutated session ${i} (seed ${SEED}, ${j.fatal ? 'fatal header' : 'mutations'})`;
      // a body cut so that a frame stays incomplete would wait forever: unless the server
      // must refuse it on sight, the client half-closes after sending it
      const o = await exchange(sessions.port, { scope: { endpoint: RW, path: `fz/${i}`, write: j.write }, body: j.body, endAfter: !j.fatal, deadlineMs: 5000 });
      assert.ok(o.welcomed, `${what}: the handshake failed: ${show(o.frames.map((f) => f.meta))}`);
      checkServerFrames(o, what);
      assert.ok(o.closed, `${what}: the connection did not end`);
      const after = o.frames.slice(o.frames.findIndex((f) => f.type === FrameType.WELCOME) + 1);
      assert.ok(after.every((f) => f.type === FrameType.REPLY || f.type === FrameType.FAIL), `${what}: frame types ${after.map((f) => f.type).join(',')}`);
      if (after.some((f) => f.type === FrameType.FAIL)) failed++;
      const last = after[after.length - 1];
      if (last?.type === FrameType.FAIL && last.id === 0) refused++;
      if (j.fatal) assert.deepEqual([last?.type, last?.id, last?.meta.code], [FrameType.FAIL, 0, 'E_PROTOCOL'], `${what}: refused on sight`);
    });
    assert.ok(failed > MUTATED_SESSIONS / 4, `${failed} sessions saw a FAIL`);
    assert.ok(refused > MUTATED_SESSIONS / 10, `${refused} sessions were refused`);
  });

  for (const which of ['random strings', 'mutated sessions'] as const) {
    test(`after the ${which} the agent process is up, holds no connection or temporary file, touched nothing outside, and serves a normal client`, async () => {
      await stillWell(which === 'random strings' ? strings : sessions);
    });
  }

  async function stillWell(c: Child): Promise<void> {
    assert.equal(c.proc.exitCode, null, `the agent process exited: ${c.stderr()}`);
    assert.equal(c.proc.signalCode, null);
    assert.equal(c.stderr(), '', 'the agent process printed nothing (no uncaught error)');
    let connections = -1;
    for (let n = 0; n < 300 && connections !== 0; n++) {
      if (n > 0) await new Promise((res) => setTimeout(res, 10));
      connections = (await ask(c.proc, 'connections')).connections as number;
    }
    assert.equal(connections, 0, 'connections still open');
    const whole = (): string[] => {
      const out: string[] = [];
      const walk = (d: string): void => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { if (e.name.endsWith('.tmp')) out.push(path.join(d, e.name)); if (e.isDirectory()) walk(path.join(d, e.name)); } };
      walk(c.root);
      return out;
    };
    assert.ok(await eventually(() => whole().length === 0), `temporary files left: ${whole().slice(0, 5).join(', ')}`);
    assert.deepEqual(snapshot(c.outside), outsideBefore.get(c));
    assert.deepEqual(fs.readdirSync(path.dirname(c.root)).sort(), ['archive', 'outside', 'root'], 'nothing new beside the endpoint roots');

    const { storage: s, made } = await RemoteStorage.probeAndMakeBase({
      address: { host: '127.0.0.1', port: c.port }, scope: { endpoint: RW, path: 'after/fuzz', write: true }, credential: { token: TOKEN }, streams: 2, hash: 'xxh3',
    });
    try {
      if ('error' in made) throw made.error;
      const bytes = pattern(2 * 1024 * 1024 + 3, 11);
      const w = await s.openWrite('ok.bin', { size: bytes.length, sparse: false });
      for (let off = 0; off < bytes.length; off += 256 * 1024) await w.write(bytes.subarray(off, off + 256 * 1024), off);
      await w.commit(meta(0o640), KEEP_OWNER, hashOf(bytes));
      assert.ok(fs.readFileSync(path.join(c.root, 'after/fuzz/ok.bin')).equals(bytes));
      assert.equal((await s.stat('ok.bin'))?.size, bytes.length);
    } finally { s.close(); }
    assert.equal(c.proc.exitCode, null);
  }
});
