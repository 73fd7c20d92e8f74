// The frame codec: round trips, frames cut anywhere by TCP, and the refusals that come as
// soon as a header is in (before anything is buffered for a declared length).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BargeError } from '../core/errors.js';
import { parseWithBigints } from '../core/json-bigint.js';
import { DEFAULT_MAX_DATA_BYTES, encodeFrame, encodeHead, FrameDecoder, FrameType, HEADER_BYTES, MAGIC, MAX_META_BYTES, PROTOCOL_VERSION, StreamDecoder, type Frame, type FrameSink, type Meta } from './frame-codec.js';
import { Prng } from './test-support/served-agent.js';

const TYPES = Object.values(FrameType);

function header(o: { magic?: number; version?: number; type?: number; id?: number; metaLen?: number; dataLen?: number } = {}): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt16BE(o.magic ?? MAGIC, 0);
  h.writeUInt8(o.version ?? PROTOCOL_VERSION, 2);
  h.writeUInt8(o.type ?? FrameType.CALL, 3);
  h.writeUInt32BE(o.id ?? 1, 4);
  h.writeUInt32BE(o.metaLen ?? 0, 8);
  h.writeUInt32BE(o.dataLen ?? 0, 12);
  return h;
}

/** a frame with this meta text, as it is (valid JSON or not) */
function rawFrame(metaText: string, data = Buffer.alloc(0)): Buffer {
  const m = Buffer.from(metaText);
  return Buffer.concat([header({ metaLen: m.length, dataLen: data.length }), m, data]);
}

function protocolError(fn: () => unknown, what: string): void {
  assert.throws(fn, (e: unknown) => e instanceof BargeError && e.code === 'E_PROTOCOL', what);
}

function sample(): { frames: Frame[]; bytes: Buffer } {
  const rnd = new Prng(7);
  const frames: Frame[] = TYPES.map((type, i) => ({
    type, id: [0, 1, 0xffffffff, 77, 123456, 2 ** 31, 5, 9][i] ?? i,
    meta: i % 3 === 0 ? {} : {
      path: `dir/ünïcødé ${i} 🚀`, big: -123456789012345678901234567890n, list: [1n, { mtimeNs: 1_700_000_000_123_456_789n }],
      n: i, ok: i % 2 === 0, nothing: null,
    },
    data: i % 2 === 0 ? rnd.bytes(i * 29) : Buffer.alloc(0),
  }));
  return { frames, bytes: Buffer.concat(frames.map((f) => encodeFrame(f.type, f.id, f.meta, f.data))) };
}

function same(got: Frame[], want: Frame[]): void {
  assert.equal(got.length, want.length, 'frame count');
  got.forEach((g, i) => {
    const w = want[i] as Frame;
    assert.deepEqual({ type: g.type, id: g.id, meta: g.meta }, { type: w.type, id: w.id, meta: w.meta }, `frame ${i}`);
    assert.ok(g.data.equals(w.data), `frame ${i} data`);
  });
}

describe('frame codec: round trips', () => {
  test('every frame type, with bigints, unicode and binary data, survives encode and decode', () => {
    const { frames, bytes } = sample();
    assert.equal(frames.length, 8);
    same(new FrameDecoder().push(bytes), frames);
    assert.equal(typeof frames[1]?.meta.big, 'bigint');
  });

  test('a frame written as head + data decodes like one written whole', () => {
    const data = new Prng(3).bytes(5000);
    const m: Meta = { handle: 4, offset: 2 ** 40 };
    const d = new FrameDecoder();
    const [f] = d.push(Buffer.concat([encodeHead(FrameType.WRITE, 9, m, data.length), data]));
    assert.deepEqual(f?.meta, m);
    assert.ok(f?.data.equals(data));
    assert.deepEqual(encodeFrame(FrameType.WRITE, 9, m, data), Buffer.concat([encodeHead(FrameType.WRITE, 9, m, data.length), data]));
  });

  test('empty meta is sent as no bytes and decodes as {}', () => {
    const b = encodeFrame(FrameType.REPLY, 3, {});
    assert.equal(b.length, HEADER_BYTES);
    assert.equal(b.readUInt32BE(8), 0);
    assert.deepEqual(new FrameDecoder().push(b)[0]?.meta, {});
  });

  test('the header says what the docs say: "BG", version, type, id, meta and data lengths', () => {
    const b = encodeFrame(FrameType.CALL, 0x01020304, { op: 'ping' }, Buffer.from('xyz'));
    assert.equal(b.subarray(0, 2).toString('latin1'), 'BG');
    assert.deepEqual([b[2], b[3], b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)], [1, 10, 0x01020304, Buffer.byteLength('{"op":"ping"}'), 3]);
    assert.equal(b.subarray(16, 16 + b.readUInt32BE(8)).toString(), '{"op":"ping"}');
  });
});

describe('frame codec: bytes as TCP delivers them', () => {
  test('a stream cut in two at every byte boundary gives the same frames', () => {
    const { frames, bytes } = sample();
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      same(got, frames);
      assert.equal(d.pending, 0, `nothing left over after a cut at ${cut}`);
    }
  });

  test('one byte per push gives the same frames, each as soon as its last byte is in', () => {
    const { frames, bytes } = sample();
    const ends: number[] = [];
    let at = 0;
    for (const f of frames) { at += encodeFrame(f.type, f.id, f.meta, f.data).length; ends.push(at); }
    const d = new FrameDecoder();
    const got: Frame[] = [];
    const seenAt: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const out = d.push(bytes.subarray(i, i + 1));
      for (const f of out) { got.push(f); seenAt.push(i + 1); }
    }
    same(got, frames);
    assert.deepEqual(seenAt, ends);
  });

  test('random cuts into many pieces, and all frames in one push, give the same frames', () => {
    const { frames, bytes } = sample();
    const rnd = new Prng(11);
    for (let round = 0; round < 100; round++) {
      const d = new FrameDecoder();
      const got: Frame[] = [];
      for (let at = 0; at < bytes.length;) {
        const n = 1 + rnd.int(rnd.next() < 0.5 ? 8 : 600);
        got.push(...d.push(bytes.subarray(at, at + n)));
        at += n;
      }
      same(got, frames);
    }
    same(new FrameDecoder().push(bytes), frames);
  });

  test('pending counts the bytes of an unfinished frame', () => {
    const b = encodeFrame(FrameType.WRITE, 1, { handle: 1, offset: 0 }, Buffer.alloc(100, 1));
    const d = new FrameDecoder();
    assert.deepEqual(d.push(b.subarray(0, 40)), []);
    assert.equal(d.pending, 40);
    assert.equal(d.push(b.subarray(40)).length, 1);
    assert.equal(d.pending, 0);
  });
});

describe('frame codec: refusals', () => {
  test('bad magic, bad version and every unknown type are E_PROTOCOL as soon as the 16 header bytes are in', () => {
    protocolError(() => new FrameDecoder().push(header({ magic: 0x4748 })), 'bad magic');
    protocolError(() => new FrameDecoder().push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), 'an HTTP request');
    for (const version of [0, 2, 255]) protocolError(() => new FrameDecoder().push(header({ version })), `version ${version}`);
    let unknown = 0;
    for (let type = 0; type < 256; type++) {
      if ((TYPES as number[]).includes(type)) {
        assert.equal(new FrameDecoder().push(header({ type })).length, 1, `type ${type} is known`);
      } else {
        unknown++;
        protocolError(() => new FrameDecoder().push(header({ type })), `type ${type}`);
      }
    }
    assert.equal(unknown, 256 - TYPES.length);
  });

  test('a bad header fed byte by byte is refused when its last byte comes in', () => {
    const d = new FrameDecoder();
    const h = header({ version: 9 });
    for (let i = 0; i < HEADER_BYTES - 1; i++) assert.deepEqual(d.push(h.subarray(i, i + 1)), []);
    protocolError(() => d.push(h.subarray(HEADER_BYTES - 1)), 'the 16th byte');
  });

  test('meta over 64 KiB is refused on the header alone; exactly 64 KiB is accepted', () => {
    protocolError(() => new FrameDecoder().push(header({ metaLen: MAX_META_BYTES + 1 })), 'meta one byte over');
    protocolError(() => new FrameDecoder().push(header({ metaLen: 0xffffffff })), 'meta of 4 GiB');
    const text = '{"a":1' + ' '.repeat(MAX_META_BYTES - 8) + '}';
    assert.equal(Buffer.byteLength(text), MAX_META_BYTES - 1);
    const full = `${text} `;
    const [f] = new FrameDecoder().push(rawFrame(full));
    assert.deepEqual(f?.meta, { a: 1 });
  });

  test('data over the limit is refused on the header alone; data at the limit is accepted', () => {
    protocolError(() => new FrameDecoder().push(header({ dataLen: DEFAULT_MAX_DATA_BYTES + 1 })), 'default limit + 1');
    protocolError(() => new FrameDecoder().push(header({ dataLen: 0xffffffff })), 'data of 4 GiB');
    const d = new FrameDecoder(1024);
    protocolError(() => d.push(header({ dataLen: 1025 })), 'own limit + 1');
    const [f] = new FrameDecoder(1024).push(encodeFrame(FrameType.WRITE, 2, {}, Buffer.alloc(1024, 7)));
    assert.equal(f?.data.length, 1024);
  });

  test('the encoder refuses meta over 64 KiB', () => {
    assert.throws(() => encodeFrame(FrameType.CALL, 1, { path: 'x'.repeat(MAX_META_BYTES) }), (e: unknown) => e instanceof BargeError && e.code === 'E_PROTOCOL');
    assert.throws(() => encodeHead(FrameType.CALL, 1, { path: 'é'.repeat(MAX_META_BYTES / 2) }, 0), (e: unknown) => e instanceof BargeError && e.code === 'E_PROTOCOL',
      'the limit counts bytes, not characters');
  });

  test('meta that is not JSON, or not a JSON object, is E_PROTOCOL', () => {
    for (const text of ['{', 'not json', '{"a":}', "{'a':1}", '\u0000', '{"a":1}{"b":2}', '{"$big":"12x"}', '{"x":{"$big":"1.5"}}']) {
      protocolError(() => new FrameDecoder().push(rawFrame(text)), `meta ${JSON.stringify(text)}`);
    }
    protocolError(() => new FrameDecoder().push(Buffer.concat([header({ metaLen: 3 }), Buffer.from([0xff, 0xfe, 0xfd])])), 'bytes that are not UTF-8');
    for (const text of ['[]', '[{"a":1}]', '1', '"text"', 'null', 'true', '{"$big":"5"}']) {
      protocolError(() => new FrameDecoder().push(rawFrame(text)), `meta ${text}`);
    }
  });
});

/** what a StreamDecoder handed its sink: frames, WRITE frames streamed in slices rebuilt */
class Recorder implements FrameSink {
  frames: Frame[] = [];
  /** how each frame came: whole, or streamed in this many slices */
  how: (number | 'whole')[] = [];
  private cur: { id: number; meta: Meta; length: number; slices: Buffer[] } | undefined;

  constructor(private readonly stream: (id: number) => boolean = () => true) {}

  frame(f: Frame): void {
    assert.equal(this.cur, undefined, 'no whole frame while one streams');
    this.frames.push(f);
    this.how.push('whole');
  }

  begin(id: number, meta: Meta, length: number): boolean {
    assert.equal(this.cur, undefined, 'begin after end');
    if (!this.stream(id)) return false;
    this.cur = { id, meta, length, slices: [] };
    return true;
  }

  data(slice: Buffer): void {
    assert.ok(this.cur, 'data inside a frame');
    assert.ok(slice.length > 0, 'no empty slices');
    // a slice is only valid while its chunk is: keep a copy, as a consumer would have written it
    this.cur.slices.push(Buffer.from(slice));
  }

  end(): void {
    const c = this.cur;
    assert.ok(c, 'end of a begun frame');
    const data = Buffer.concat(c.slices);
    assert.equal(data.length, c.length, 'streamed bytes = the declared length');
    this.frames.push({ type: FrameType.WRITE, id: c.id, meta: c.meta, data });
    this.how.push(c.slices.length);
    this.cur = undefined;
  }
}

/** a session's traffic: WRITE frames of several sizes (empty too) among calls and replies */
function writeSample(): { frames: Frame[]; bytes: Buffer } {
  const rnd = new Prng(11);
  const frames: Frame[] = [
    { type: FrameType.CALL, id: 1, meta: { op: 'open-write', path: 'a', size: 300 }, data: Buffer.alloc(0) },
    { type: FrameType.WRITE, id: 2, meta: { handle: 1, offset: 0 }, data: rnd.bytes(100) },
    { type: FrameType.WRITE, id: 3, meta: { handle: 1, offset: 100 }, data: Buffer.alloc(0) },
    { type: FrameType.WRITE, id: 4, meta: { handle: 12345678, offset: 2 ** 53 - 1 }, data: rnd.bytes(1) },
    { type: FrameType.REPLY, id: 5, meta: { more: false }, data: rnd.bytes(50) },
    { type: FrameType.WRITE, id: 0xffffffff, meta: { handle: 1, offset: 100, extra: 'x' }, data: rnd.bytes(200) },
    { type: FrameType.WRITE, id: 7, meta: {}, data: rnd.bytes(3) },
    { type: FrameType.CALL, id: 8, meta: { op: 'commit', handle: 1 }, data: Buffer.alloc(0) },
  ];
  return { frames, bytes: Buffer.concat(frames.map((f) => encodeFrame(f.type, f.id, f.meta, f.data))) };
}

describe('frame codec: streamed data (StreamDecoder)', () => {
  test('WRITE data comes in slices, other frames whole; in one chunk each WRITE is one slice', () => {
    const { frames, bytes } = writeSample();
    const r = new Recorder();
    new StreamDecoder(DEFAULT_MAX_DATA_BYTES, FrameType.WRITE).push(bytes, r);
    same(r.frames, frames);
    assert.deepEqual(r.how, ['whole', 1, 0, 1, 'whole', 1, 1, 'whole']);
  });

  test('cut at every byte boundary, and in three pieces at many, the frames and streamed bytes are the same', () => {
    const { frames, bytes } = writeSample();
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = new Recorder();
      const d = new StreamDecoder(DEFAULT_MAX_DATA_BYTES, FrameType.WRITE);
      d.push(Buffer.from(bytes.subarray(0, cut)), r);
      d.push(Buffer.from(bytes.subarray(cut)), r);
      same(r.frames, frames);
      assert.equal(d.pending, 0, `nothing left over after a cut at ${cut}`);
    }
    const rnd = new Prng(5);
    for (let k = 0; k < 300; k++) {
      const a = rnd.int(bytes.length + 1);
      const b = a + rnd.int(bytes.length + 1 - a);
      const r = new Recorder();
      const d = new StreamDecoder(DEFAULT_MAX_DATA_BYTES, FrameType.WRITE);
      for (const piece of [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]) d.push(Buffer.from(piece), r);
      same(r.frames, frames);
    }
  });

  test('fed byte by byte: every data byte its own slice, pending counts the unfinished frame', () => {
    const { frames, bytes } = writeSample();
    const r = new Recorder();
    const d = new StreamDecoder(DEFAULT_MAX_DATA_BYTES, FrameType.WRITE);
    const first = encodeFrame(frames[0]?.type ?? FrameType.CALL, 1, frames[0]?.meta ?? {}).length;
    for (let i = 0; i < bytes.length; i++) {
      d.push(bytes.subarray(i, i + 1), r);
      if (i < first - 1) assert.equal(d.pending, i + 1);
    }
    same(r.frames, frames);
    assert.deepEqual(r.how, ['whole', 100, 0, 1, 'whole', 200, 3, 'whole']);
    assert.equal(d.pending, 0);
  });

  test('a WRITE the sink does not take in slices comes whole, cut anywhere', () => {
    const { frames, bytes } = writeSample();
    for (let cut = 0; cut <= bytes.length; cut += 7) {
      const r = new Recorder((id) => id !== 2 && id !== 0xffffffff);
      const d = new StreamDecoder(DEFAULT_MAX_DATA_BYTES, FrameType.WRITE);
      d.push(Buffer.from(bytes.subarray(0, cut)), r);
      d.push(Buffer.from(bytes.subarray(cut)), r);
      same(r.frames, frames);
      assert.equal(r.how[1], 'whole');
      assert.equal(r.how[5], 'whole');
    }
  });

  test('oversize data and meta, bad magic, version and type are refused on the header alone, before begin', () => {
    const sink = new Recorder(() => { throw new Error('begin must not be reached'); });
    const fresh = (): StreamDecoder => new StreamDecoder(1024, FrameType.WRITE);
    protocolError(() => fresh().push(header({ type: FrameType.WRITE, dataLen: 1025 }), sink), 'data one byte over its limit');
    protocolError(() => fresh().push(header({ type: FrameType.WRITE, dataLen: 0xffffffff }), sink), 'data of 4 GiB');
    protocolError(() => fresh().push(header({ type: FrameType.WRITE, metaLen: MAX_META_BYTES + 1 }), sink), 'meta over');
    protocolError(() => fresh().push(header({ type: FrameType.WRITE, magic: 0x4748 }), sink), 'bad magic');
    protocolError(() => fresh().push(header({ type: FrameType.WRITE, version: 9 }), sink), 'bad version');
    protocolError(() => fresh().push(header({ type: 99 }), sink), 'bad type');
    // the limit can change between frames (small until the handshake is done)
    const d = new StreamDecoder(16, FrameType.WRITE);
    const r = new Recorder();
    d.push(encodeFrame(FrameType.WRITE, 1, { handle: 1, offset: 0 }, Buffer.alloc(16)), r);
    protocolError(() => d.push(header({ type: FrameType.WRITE, dataLen: 17 }), r), 'over the small limit');
    const d2 = new StreamDecoder(16, FrameType.WRITE);
    d2.limitData(4096);
    d2.push(encodeFrame(FrameType.WRITE, 1, { handle: 1, offset: 0 }, Buffer.alloc(4096)), r);
    assert.equal(r.frames[1]?.data.length, 4096);
  });

  test('garbage is refused wherever it starts, also in the middle of a stream, never handed on as data', () => {
    const rnd = new Prng(3);
    const { bytes } = writeSample();
    for (let k = 0; k < 500; k++) {
      const noise = rnd.bytes(1 + rnd.int(64));
      const d = new StreamDecoder(DEFAULT_MAX_DATA_BYTES, FrameType.WRITE);
      const r = new Recorder();
      try {
        d.push(Buffer.concat([bytes, noise]), r);
      } catch (e) {
        assert.ok(e instanceof BargeError && e.code === 'E_PROTOCOL', String(e));
        continue;
      }
      // noise that happens to start a valid header is only held, not passed on
      assert.equal(r.frames.length, 8);
    }
    protocolError(() => new StreamDecoder(DEFAULT_MAX_DATA_BYTES, FrameType.WRITE).push(Buffer.from('GET / HTTP/1.1\r\n\r\n'), new Recorder()), 'HTTP');
    const w = encodeFrame(FrameType.WRITE, 1, { handle: 1, offset: 0 }, Buffer.alloc(10));
    const bad = Buffer.concat([header({ type: FrameType.WRITE, metaLen: 5, dataLen: 1 }), Buffer.from('{"a":'), Buffer.alloc(1)]);
    protocolError(() => new StreamDecoder(DEFAULT_MAX_DATA_BYTES, FrameType.WRITE).push(Buffer.concat([w, bad]), new Recorder()), 'WRITE meta not JSON');
  });

  test("a WRITE's meta reads the same by the fast path as by the JSON parser; near misses go to the parser", () => {
    const texts = ['{"handle":1,"offset":0}', '{"handle":0,"offset":262144}', '{"handle":4294967295,"offset":999999999999999}',
      '{"handle":1,"offset":9007199254740991}', '{"handle":01,"offset":0}', '{"handle":1,"offset":00}', '{"handle":-1,"offset":0}',
      '{"handle":1.5,"offset":0}', '{"handle":1,"offset":1e3}', '{"handle":1, "offset":0}', '{"offset":0,"handle":1}',
      '{"handle":1,"offset":0,"x":1}', '{"handle":"1","offset":0}', '{"handle":1,"offset":0} ', '{"handle":1,"offset":0}}',
      '{"handle":1,"offset":}', '{"handle":,"offset":1}', '{"handle":1,"offset":12345678901234567890}', '{"handle":1}'];
    for (const text of texts) {
      let want: unknown;
      try { want = parseWithBigints<unknown>(text); } catch { want = 'error'; }
      const m = Buffer.from(text);
      const bytes = Buffer.concat([header({ type: FrameType.WRITE, metaLen: m.length, dataLen: 2 }), m, Buffer.from('ok')]);
      let got: unknown;
      const r = new Recorder();
      try { new StreamDecoder(DEFAULT_MAX_DATA_BYTES, FrameType.WRITE).push(bytes, r); got = r.frames[0]?.meta; } catch { got = 'error'; }
      if (want !== 'error' && (want === null || typeof want !== 'object' || Array.isArray(want))) want = 'error';
      assert.deepEqual(got, want, text);
    }
  });

  test("the encoder writes a WRITE's {handle, offset} as JSON would", () => {
    for (const meta of [{ handle: 1, offset: 0 }, { handle: 2 ** 32 - 1, offset: 2 ** 53 - 1 }, { offset: 5, handle: 3 }, { handle: 1, offset: -1 }, { handle: 1, offset: 0.5 }, { handle: 1, offset: 2, x: 'y' }]) {
      const head = encodeHead(FrameType.WRITE, 1, meta, 0);
      assert.deepEqual(JSON.parse(head.subarray(HEADER_BYTES).toString()), meta);
    }
    assert.equal(encodeHead(FrameType.WRITE, 1, { handle: 7, offset: 262144 }, 0).subarray(HEADER_BYTES).toString(), '{"handle":7,"offset":262144}');
  });
});
