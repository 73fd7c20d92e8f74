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
  const metaText = Object.keys(meta).length === 0 ? '' : stringifyWithBigints(meta);
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

/** Incremental decoder: push what the socket delivered, get whole frames back. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private maxData: number = DEFAULT_MAX_DATA_BYTES) {}

  /** a new data limit for the frames to come (small until a peer is authenticated) */
  limitData(maxData: number): void {
    this.maxData = maxData;
  }

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Frame[] = [];
    for (;;) {
      const f = this.next();
      if (!f) return out;
      out.push(f);
    }
  }

  /** bytes held that do not yet make a whole frame */
  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    if (this.chunks.length === 1 || (this.chunks[0] as Buffer).length >= n) return this.chunks[0] as Buffer;
    const whole = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [whole];
    return whole;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length === n) {
      this.chunks.shift();
    } else if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    } else {
      const whole = Buffer.concat(this.chunks, this.buffered);
      this.chunks = whole.length > n ? [whole.subarray(n)] : [];
      this.buffered -= n;
      return whole.subarray(0, n);
    }
    this.buffered -= n;
    return first;
  }

  private next(): Frame | undefined {
    if (this.buffered < HEADER_BYTES) return undefined;
    const h = this.peek(HEADER_BYTES);
    if (h.readUInt16BE(0) !== MAGIC) throw protocolError('not a barge data-plane frame (bad magic)');
    const version = h.readUInt8(2);
    if (version !== PROTOCOL_VERSION) throw protocolError(`protocol version ${version} is not spoken here (this side speaks ${PROTOCOL_VERSION})`);
    const type = h.readUInt8(3);
    if (!KNOWN_TYPES.has(type)) throw protocolError(`unknown frame type ${type}`);
    const id = h.readUInt32BE(4);
    const metaLen = h.readUInt32BE(8);
    const dataLen = h.readUInt32BE(12);
    if (metaLen > MAX_META_BYTES) throw protocolError(`frame meta of ${metaLen} bytes is over the ${MAX_META_BYTES}-byte limit`);
    if (dataLen > this.maxData) throw protocolError(`frame data of ${dataLen} bytes is over the ${this.maxData}-byte limit`);
    if (this.buffered < HEADER_BYTES + metaLen + dataLen) return undefined;
    this.take(HEADER_BYTES);
    const metaBuf = metaLen === 0 ? EMPTY : this.take(metaLen);
    const data = dataLen === 0 ? EMPTY : this.take(dataLen);
    return { type: type as FrameTypeCode, id, meta: decodeMeta(metaBuf), data };
  }
}

function decodeMeta(buf: Buffer): Meta {
  if (buf.length === 0) return {};
  let v: unknown;
  try {
    v = parseWithBigints<unknown>(buf.toString('utf8'));
  } catch {
    throw protocolError('frame meta is not valid JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw protocolError('frame meta is not a JSON object');
  return v as Meta;
}
