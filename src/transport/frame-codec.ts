// The data plane's frames: a fixed 16-byte header, a JSON meta part and a binary data
// part. The decoder takes bytes as TCP delivers them and refuses anything malformed or
// oversize before it allocates for it (docs/protocol.md).
import type { Socket } from 'node:net';
import { BargeError } from '../core/errors.js';
import { parseWithBigints, stringifyWithBigints } from '../core/json-bigint.js';

export const MAGIC = 0x4247; // "BG"
export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 16;
export const MAX_META_BYTES = 64 * 1024;
export const DEFAULT_MAX_DATA_BYTES = 16 * 1024 * 1024;

export const FrameType = {
  HELLO: 1,
  CHALLENGE: 2,
  PROOF: 3,
  WELCOME: 4,
  CALL: 10,
  WRITE: 11,
  REPLY: 20,
  FAIL: 21,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];
const KNOWN_TYPES = new Set<number>(Object.values(FrameType));

export type Meta = Record<string, unknown>;

export interface Frame {
  type: FrameTypeCode;
  /** the call this frame belongs to; a reply carries its call's id */
  id: number;
  meta: Meta;
  data: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** The header and meta of a frame; the data goes to the socket as it is, uncopied. */
export function encodeHead(type: FrameTypeCode, id: number, meta: Meta, dataLength: number): Buffer {
  const metaText = (type === FrameType.WRITE ? writeMetaText(meta) : undefined) ?? (Object.keys(meta).length === 0 ? '' : stringifyWithBigints(meta));
  const metaBytes = Buffer.byteLength(metaText);
  if (metaBytes > MAX_META_BYTES) throw new BargeError('E_PROTOCOL', `frame meta of ${metaBytes} bytes is over the ${MAX_META_BYTES}-byte limit`);
  const head = Buffer.allocUnsafe(HEADER_BYTES + metaBytes);
  head.writeUInt16BE(MAGIC, 0);
  head.writeUInt8(PROTOCOL_VERSION, 2);
  head.writeUInt8(type, 3);
  head.writeUInt32BE(id >>> 0, 4);
  head.writeUInt32BE(metaBytes, 8);
  head.writeUInt32BE(dataLength, 12);
  head.write(metaText, HEADER_BYTES, 'utf8');
  return head;
}

/**
 * One frame onto a socket: the head, then the data as it is (not copied, so the caller
 * must not reuse `data` before `cb`), written together.
 */
export function writeFrame(socket: Socket, type: FrameTypeCode, id: number, meta: Meta, data?: Buffer, cb?: (e?: Error | null) => void): void {
  if (data && data.length > 0) {
    socket.cork();
    socket.write(encodeHead(type, id, meta, data.length));
    socket.write(data, cb);
    socket.uncork();
  } else socket.write(encodeFrame(type, id, meta), cb);
}

export function encodeFrame(type: FrameTypeCode, id: number, meta: Meta, data: Buffer = EMPTY): Buffer {
  const head = encodeHead(type, id, meta, data.length);
  return data.length === 0 ? head : Buffer.concat([head, data]);
}

function protocolError(message: string): BargeError {
  return new BargeError('E_PROTOCOL', message);
}

/**
 * Where a StreamDecoder delivers what it decoded. A frame of the streamed type may be
 * taken as it arrives: `begin` sees its header and meta and says whether it wants the
 * data in slices (`data` for each, then `end`) or whole, as `frame`.
 */
export interface FrameSink {
  /** a whole frame; its data may be a slice of a pushed chunk */
  frame(f: Frame): void;
  /** a frame of the streamed type, before its data: true to take its data in slices */
  begin(id: number, meta: Meta, dataLength: number): boolean;
  /** the next bytes of the begun frame's data: a slice of a pushed chunk, valid as long as the chunk is */
  data(slice: Buffer): void;
  /** the begun frame's data is complete (called also for zero bytes) */
  end(): void;
}

/**
 * Incremental decoder that copies no frame data: push what the socket delivered (never
 * reused afterwards, unless the decoder was told the chunks are borrowed) and it calls the sink. Header and meta are checked as soon as they
 * are in, before anything is held for the data; only a header or meta split across
 * chunks is copied (into a buffer of its exact size). Data of the streamed frame type
 * goes to the sink slice by slice; other frames are handed over whole, their data a
 * slice of one chunk or, split across chunks, joined once.
 */
export class StreamDecoder {
  /** the header being assembled when it spans chunks */
  private readonly head = Buffer.alloc(HEADER_BYTES);
  private headHeld = 0;
  /** the current frame, once its header is in */
  private type: FrameTypeCode = FrameType.HELLO;
  private id = 0;
  private metaLen = 0;
  private dataLen = 0;
  private meta: Meta | undefined;
  /** the meta being assembled when it spans chunks */
  private metaBuf: Buffer | undefined;
  private metaHeld = 0;
  /** data bytes of the current frame still to come; -1: not in the data part */
  private remaining = -1;
  private streaming = false;
  private parts: Buffer[] = [];
  /** borrowed chunks: the data of the frame handed over whole, copied in as it arrives */
  private whole: Buffer | undefined;
  /** bytes of the unfinished frame taken so far */
  private held = 0;

  /**
   * @param borrowed the pushed chunks are the caller's to reuse once push returns (a
   *   connection reading into its own buffers): the data of a frame handed over whole is
   *   copied, once, into a buffer of its own; streamed slices are still the chunk's
   */
  constructor(private maxData: number = DEFAULT_MAX_DATA_BYTES, private readonly streamType: number = -1, private readonly borrowed = false) {}

  /** a new data limit for the frames to come (small until a peer is authenticated) */
  limitData(maxData: number): void {
    this.maxData = maxData;
  }

  /** bytes held that do not yet make a whole frame */
  get pending(): number {
    return this.held;
  }

  push(chunk: Buffer, sink: FrameSink): void {
    const len = chunk.length;
    let at = 0;
    for (;;) {
      if (this.remaining >= 0) {
        // the data part
        if (this.remaining > 0) {
          if (at >= len) return;
          const n = Math.min(this.remaining, len - at);
          const slice = chunk.subarray(at, at + n);
          at += n;
          this.remaining -= n;
          this.held += n;
          if (this.streaming) sink.data(slice);
          else if (this.borrowed) slice.copy(this.whole as Buffer, this.dataLen - this.remaining - n);
          else this.parts.push(slice);
          if (this.remaining > 0) return;
        }
        this.finish(sink);
        continue;
      }
      if (this.meta === undefined) {
        if (at >= len) return;
        if (this.headHeld < HEADER_BYTES) {
          if (this.headHeld === 0 && len - at >= HEADER_BYTES) {
            this.readHeader(chunk, at);
            at += HEADER_BYTES;
            this.held += HEADER_BYTES;
          } else {
            const n = Math.min(HEADER_BYTES - this.headHeld, len - at);
            chunk.copy(this.head, this.headHeld, at, at + n);
            this.headHeld += n;
            at += n;
            this.held += n;
            if (this.headHeld < HEADER_BYTES) return;
            this.readHeader(this.head, 0);
          }
          this.headHeld = HEADER_BYTES;
          if (this.metaLen === 0) this.meta = {};
          continue;
        }
        // the meta part
        if (this.metaHeld === 0 && len - at >= this.metaLen) {
          this.meta = decodeMeta(chunk.subarray(at, at + this.metaLen), this.type);
          at += this.metaLen;
          this.held += this.metaLen;
          continue;
        }
        const mb = (this.metaBuf ??= Buffer.allocUnsafe(this.metaLen));
        const n = Math.min(this.metaLen - this.metaHeld, len - at);
        chunk.copy(mb, this.metaHeld, at, at + n);
        this.metaHeld += n;
        at += n;
        this.held += n;
        if (this.metaHeld < this.metaLen) return;
        this.meta = decodeMeta(mb, this.type);
        continue;
      }
      // header and meta are in: the data part begins
      this.remaining = this.dataLen;
      this.streaming = this.type === this.streamType && sink.begin(this.id, this.meta, this.dataLen);
      if (!this.streaming && this.borrowed && this.dataLen > 0) this.whole = Buffer.allocUnsafe(this.dataLen);
    }
  }

  private readHeader(h: Buffer, at: number): void {
    if (h.readUInt16BE(at) !== MAGIC) throw protocolError('not a barge data-plane frame (bad magic)');
    const version = h.readUInt8(at + 2);
    if (version !== PROTOCOL_VERSION) throw protocolError(`protocol version ${version} is not spoken here (this side speaks ${PROTOCOL_VERSION})`);
    const type = h.readUInt8(at + 3);
    if (!KNOWN_TYPES.has(type)) throw protocolError(`unknown frame type ${type}`);
    const metaLen = h.readUInt32BE(at + 8);
    const dataLen = h.readUInt32BE(at + 12);
    if (metaLen > MAX_META_BYTES) throw protocolError(`frame meta of ${metaLen} bytes is over the ${MAX_META_BYTES}-byte limit`);
    if (dataLen > this.maxData) throw protocolError(`frame data of ${dataLen} bytes is over the ${this.maxData}-byte limit`);
    this.type = type as FrameTypeCode;
    this.id = h.readUInt32BE(at + 4);
    this.metaLen = metaLen;
    this.dataLen = dataLen;
  }

  private finish(sink: FrameSink): void {
    const streaming = this.streaming;
    const frame: Frame | undefined = streaming ? undefined : {
      type: this.type, id: this.id, meta: this.meta as Meta,
      data: this.whole ?? (this.parts.length === 0 ? EMPTY : this.parts.length === 1 ? this.parts[0] as Buffer : Buffer.concat(this.parts, this.dataLen)),
    };
    this.whole = undefined;
    this.headHeld = 0;
    this.meta = undefined;
    this.metaBuf = undefined;
    this.metaHeld = 0;
    this.remaining = -1;
    this.streaming = false;
    this.held = 0;
    if (this.parts.length > 0) this.parts = [];
    if (frame) sink.frame(frame); else sink.end();
  }
}

/** Incremental decoder: push what the socket delivered, get whole frames back. */
export class FrameDecoder {
  private readonly d: StreamDecoder;
  private out: Frame[] = [];
  private readonly sink: FrameSink = {
    frame: (fr) => { this.out.push(fr); },
    begin: () => false,
    data: () => undefined,
    end: () => undefined,
  };

  constructor(maxData: number = DEFAULT_MAX_DATA_BYTES) {
    this.d = new StreamDecoder(maxData);
  }

  /** a new data limit for the frames to come (small until a peer is authenticated) */
  limitData(maxData: number): void {
    this.d.limitData(maxData);
  }

  push(chunk: Buffer): Frame[] {
    const out = (this.out = []);
    this.d.push(chunk, this.sink);
    return out;
  }

  /** bytes held that do not yet make a whole frame */
  get pending(): number {
    return this.d.pending;
  }
}

const CH_0 = 0x30;
const CH_9 = 0x39;
const WRITE_META_HEAD = Buffer.from('{"handle":');
const WRITE_META_MID = Buffer.from(',"offset":');

/** the digits of a JSON number at `at` (no sign, fraction or leading zero, at most 15 digits: a safe integer); -1 if there are none */
function digitsEnd(b: Buffer, at: number): number {
  let i = at;
  while (i < b.length && (b[i] as number) >= CH_0 && (b[i] as number) <= CH_9) i++;
  const n = i - at;
  if (n === 0 || n > 15 || (n > 1 && b[at] === CH_0)) return -1;
  return i;
}

/**
 * A WRITE's meta as every barge sender writes it, `{"handle":H,"offset":O}`, read without
 * the JSON parser (it is on the path of every data frame); anything else, undefined, goes
 * to the parser, which gives the same result for this form.
 */
function fastWriteMeta(b: Buffer): Meta | undefined {
  const h0 = WRITE_META_HEAD.length;
  if (b.length < h0 + WRITE_META_MID.length + 3 || b.compare(WRITE_META_HEAD, 0, h0, 0, h0) !== 0) return undefined;
  const h1 = digitsEnd(b, h0);
  if (h1 < 0) return undefined;
  const o0 = h1 + WRITE_META_MID.length;
  if (b.compare(WRITE_META_MID, 0, WRITE_META_MID.length, h1, o0) !== 0) return undefined;
  const o1 = digitsEnd(b, o0);
  if (o1 < 0 || o1 !== b.length - 1 || b[o1] !== 0x7d) return undefined;
  return { handle: Number(b.toString('latin1', h0, h1)), offset: Number(b.toString('latin1', o0, o1)) };
}

/** the text of a WRITE's meta when it is the usual {handle, offset} (same bytes as the JSON encoder's) */
function writeMetaText(meta: Meta): string | undefined {
  const { handle, offset } = meta;
  if (typeof handle !== 'number' || typeof offset !== 'number' || !Number.isSafeInteger(handle) || !Number.isSafeInteger(offset) || handle < 0 || offset < 0) return undefined;
  let n = 0;
  for (const k in meta) { if (k !== 'handle' && k !== 'offset') return undefined; n++; }
  return n === 2 ? `{"handle":${handle},"offset":${offset}}` : undefined;
}

function decodeMeta(buf: Buffer, type: number): Meta {
  if (buf.length === 0) return {};
  if (type === FrameType.WRITE) {
    const m = fastWriteMeta(buf);
    if (m) return m;
  }
  let v: unknown;
  try {
    v = parseWithBigints<unknown>(buf.toString('utf8'));
  } catch {
    throw protocolError('frame meta is not valid JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw protocolError('frame meta is not a JSON object');
  return v as Meta;
}
