// The frame codec: round trips, frames cut anywhere by TCP, and the refusals that come as
// soon as a header is in (before anything is buffered for a declared length).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BargeError } from '../core/errors.js';
import { DEFAULT_MAX_DATA_BYTES, encodeFrame, encodeHead, FrameDecoder, FrameType, HEADER_BYTES, MAGIC, MAX_META_BYTES, PROTOCOL_VERSION, type Frame, type Meta } from './frame-codec.js';
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
