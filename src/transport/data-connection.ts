// The sending end of one data-plane connection: the handshake, calls matched to their
// replies by id (many in flight at once), and WRITE frames that stream file bytes
// without waiting for a reply: a write is done when the kernel has taken the bytes, and
// a failure the receiver reports is kept for its handle's next call.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { BargeError, PartlyRemovedError, type ErrorCode, ERROR_CODES } from '../core/errors.js';
import type { EntryType } from '../core/entry.js';
import type { StorageFeatures } from '../storage/storage.js';
import { DEFAULT_MAX_DATA_BYTES, encodeFrame, FrameDecoder, writeFrame, FrameType, type Frame, type Meta } from './frame-codec.js';
import * as f from './meta-fields.js';
import { tokenProof, type SessionScope } from './session-auth.js';
import { tlsProblem } from './tls-problem.js';
import { CLIENT_HANDLE_MIN } from './session-handles.js';

export interface PeerAddress {
  host: string;
  port: number;
  /** TLS to the agent: the CA that signed its certificate (or none: the system's) */
  tls?: { ca?: string | Buffer; servername?: string };
}

export type SessionCredential = { token: string } | { grant: string };

/** the features a WELCOME carries; the receiving end derives the others (remote-storage.ts) */
export type WireFeatures = Pick<StorageFeatures, 'hardlinks' | 'sparse' | 'owner' | 'mtimeResolutionNs'>;

export interface Welcome {
  agent: string;
  maxData: number;
  /** what is at the session's path now (null: nothing) */
  base: EntryType | null;
  features: WireFeatures;
  /** the agent takes a chunk write's handle chosen by the client (agents older than that do not say) */
  chosenHandles: boolean;
}

export interface ConnectionOptions {
  connectTimeoutMs?: number;
  /** no byte either way for this long while calls or writes are pending: the peer is gone */
  stallTimeoutMs?: number;
}

interface Pending {
  parts: Frame[];
  resolve: (parts: Frame[]) => void;
  reject: (e: BargeError) => void;
}

function networkError(addr: PeerAddress, what: string): BargeError {
  return new BargeError('E_NETWORK', `${addr.host}:${addr.port}: ${what}`);
}

export function errorFromFail(meta: Meta): BargeError {
  const code = typeof meta.code === 'string' && meta.code in ERROR_CODES ? meta.code as ErrorCode : 'E_PROTOCOL';
  const message = typeof meta.message === 'string' ? meta.message : 'the peer failed without a message';
  const path = typeof meta.path === 'string' ? meta.path : undefined;
  const opts = path === undefined ? {} : { path };
  if (code === 'E_NAME' && typeof meta.removed === 'number' && Number.isSafeInteger(meta.removed) && meta.removed >= 0) return new PartlyRemovedError(meta.removed, message, opts);
  return new BargeError(code, message, opts);
}

export class DataConnection {
  private readonly pending = new Map<number, Pending>();
  private readonly handleErrors = new Map<number, BargeError>();
  private readonly decoder: FrameDecoder;
  private nextId = 1;
  private nextHandle = CLIENT_HANDLE_MIN;
  private dead: BargeError | undefined;
  private writesInFlight = 0;
  welcome!: Welcome;

  private constructor(private readonly socket: net.Socket, private readonly addr: PeerAddress, maxData: number) {
    this.decoder = new FrameDecoder(maxData);
  }

  static async open(addr: PeerAddress, scope: SessionScope, cred: SessionCredential, o: ConnectionOptions = {}): Promise<DataConnection> {
    return (await DataConnection.openWithCall(addr, scope, cred, undefined, o)).c;
  }

  /**
   * open, with a first call sent right behind the PROOF rather than after the WELCOME: the
   * agent runs it once the session is open, and over a long link the call's round trip
   * is the handshake's last. If the handshake fails, so does the call, with its reason.
   */
  static async openWithCall(addr: PeerAddress, scope: SessionScope, cred: SessionCredential, first: { op: string; meta: Meta } | undefined,
    o: ConnectionOptions = {}): Promise<{ c: DataConnection; reply: Promise<Frame> | undefined }> {
    const socket = await connectSocket(addr, o.connectTimeoutMs ?? 10_000);
    const c = new DataConnection(socket, addr, DEFAULT_MAX_DATA_BYTES);
    let reply: Promise<Frame> | undefined;
    const afterProof = first && ((): void => {
      reply = c.call(first.op, first.meta);
      reply.catch(() => undefined); // the caller's; a failed handshake fails it too
    });
    try {
      c.welcome = await c.handshake(scope, cred, o.connectTimeoutMs ?? 10_000, afterProof);
    } catch (e) {
      c.kill(e instanceof BargeError ? e : networkError(addr, String(e)));
      throw e;
    }
    c.listen(o.stallTimeoutMs ?? 300_000);
    return { c, reply };
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  /** calls and writes waiting on this connection (for choosing the least busy one) */
  get load(): number {
    return this.pending.size + this.writesInFlight;
  }

  /** `afterProof`: sends what goes out right behind the PROOF; frames after the WELCOME go to onFrame */
  private handshake(scope: SessionScope, cred: SessionCredential, timeoutMs: number, afterProof?: () => void): Promise<Welcome> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(networkError(this.addr, 'the agent did not finish the handshake in time')), timeoutMs);
      const done = (e: BargeError | undefined, w?: Welcome): void => {
        clearTimeout(timer);
        this.socket.off('data', onData);
        this.socket.off('close', onClose);
        if (e) reject(e); else resolve(w as Welcome);
      };
      const onClose = (): void => done(networkError(this.addr, this.addr.tls
        ? 'the connection closed during the handshake (does the agent speak TLS?)'
        : 'the agent closed the connection during the handshake (if it was started with --tls-cert, connect with --tls or --tls-ca)'));
      const onData = (chunk: Buffer): void => {
        let frames: Frame[];
        try { frames = this.decoder.push(chunk); } catch (e) {
          const hint = this.addr.tls ? '' : ' (if the agent speaks TLS, connect with --tls or --tls-ca)';
          done(new BargeError('E_PROTOCOL', `${(e as Error).message}${hint}`));
          return;
        }
        for (const fr of frames) {
          if (fr.type === FrameType.FAIL) { done(errorFromFail(fr.meta)); return; }
          if (fr.type === FrameType.CHALLENGE) {
            const nonce = typeof fr.meta.nonce === 'string' ? fr.meta.nonce : '';
            const proof = 'token' in cred ? tokenProof(cred.token, nonce, scope) : undefined;
            this.socket.write(encodeFrame(FrameType.PROOF, 0, proof === undefined ? {} : { proof }));
            afterProof?.();
            continue;
          }
          if (fr.type === FrameType.WELCOME) {
            try { done(undefined, parseWelcome(fr.meta)); } catch (e) { done(e as BargeError); return; }
            // the reply to a call sent behind the PROOF may have come in the same read
            for (const rest of frames.slice(frames.indexOf(fr) + 1)) this.onFrame(rest);
            return;
          }
          done(new BargeError('E_PROTOCOL', `unexpected frame type ${fr.type} during the handshake`));
          return;
        }
      };
      this.socket.on('data', onData);
      this.socket.on('close', onClose);
      const hello: Meta = { endpoint: scope.endpoint, path: scope.path, write: scope.write };
      if ('grant' in cred) hello.grant = cred.grant;
      this.socket.write(encodeFrame(FrameType.HELLO, 0, hello));
    });
  }

  private listen(stallMs: number): void {
    this.socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try { frames = this.decoder.push(chunk); } catch (e) { this.kill(e as BargeError); return; }
      for (const fr of frames) this.onFrame(fr);
    });
    this.socket.on('close', () => this.kill(networkError(this.addr, 'connection lost')));
    this.socket.on('error', (e) => this.kill(networkError(this.addr, e.message)));
    this.socket.setTimeout(stallMs, () => {
      if (this.load > 0) this.kill(networkError(this.addr, `no progress for ${Math.round(stallMs / 1000)} s`));
    });
  }

  private onFrame(fr: Frame): void {
    if (fr.type === FrameType.FAIL && fr.id !== 0 && !this.pending.has(fr.id) && typeof fr.meta.handle === 'number') {
      this.handleErrors.set(fr.meta.handle, errorFromFail(fr.meta));
      return;
    }
    if (fr.type === FrameType.FAIL && fr.id === 0) { this.kill(errorFromFail(fr.meta)); return; }
    const p = this.pending.get(fr.id);
    if (!p) return; // a reply to a call given up on
    if (fr.type === FrameType.FAIL) {
      this.pending.delete(fr.id);
      p.reject(errorFromFail(fr.meta));
    } else if (fr.type === FrameType.REPLY) {
      p.parts.push(fr);
      if (fr.meta.more === true) return;
      this.pending.delete(fr.id);
      p.resolve(p.parts);
    } else this.kill(new BargeError('E_PROTOCOL', `unexpected frame type ${fr.type}`));
  }

  /** the connection is unusable: every waiting call fails with the reason */
  private kill(e: BargeError): void {
    if (this.dead) return;
    this.dead = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.socket.destroy();
  }

  /** ids run 1..2^32-1 and wrap; 0 is the connection's own */
  private takeId(): number {
    const id = this.nextId++;
    if (this.nextId > 0xffffffff) this.nextId = 1;
    return id;
  }

  /** a call with one reply */
  async call(op: string, meta: Meta, data?: Buffer): Promise<Frame> {
    const parts = await this.callParts(op, meta, data);
    return parts[parts.length - 1] as Frame;
  }

  /** a call whose reply may come in several frames */
  callParts(op: string, meta: Meta, data?: Buffer): Promise<Frame[]> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.takeId();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { parts: [], resolve, reject });
      this.sendFrame(FrameType.CALL, id, { ...meta, op }, data);
    });
  }

  private sendFrame(type: typeof FrameType.CALL | typeof FrameType.WRITE, id: number, meta: Meta, data: Buffer | undefined, cb?: (e?: Error | null) => void): void {
    writeFrame(this.socket, type, id, meta, data, cb);
  }

  /** a failure the receiver reported for this handle, if any */
  handleError(handle: number): BargeError | undefined {
    return this.handleErrors.get(handle);
  }

  forgetHandle(handle: number): void {
    this.handleErrors.delete(handle);
  }

  /**
   * A number for a chunk write this side opens, so that its bytes can follow the open
   * without waiting for its reply; undefined when the agent does not take chosen numbers.
   */
  chooseHandle(): number | undefined {
    if (!this.welcome.chosenHandles) return undefined;
    const h = this.nextHandle++;
    if (this.nextHandle > 0xffffffff) this.nextHandle = CLIENT_HANDLE_MIN;
    return h;
  }

  /** the open of `handle` failed: its writes fail with that from now on */
  failHandle(handle: number, e: BargeError): void {
    this.handleErrors.set(handle, e);
  }

  /**
   * Streams bytes into an open write handle. Resolves once the kernel has the bytes
   * (so the caller may reuse its buffer), not when they land: what landed is checked at
   * commit/close against the sender's hash.
   */
  write(handle: number, offset: number, data: Buffer): Promise<void> {
    if (this.dead) return Promise.reject(this.dead);
    const failed = this.handleErrors.get(handle);
    if (failed) return Promise.reject(failed);
    this.writesInFlight++;
    return new Promise((resolve, reject) => {
      this.sendFrame(FrameType.WRITE, this.takeId(), { handle, offset }, data, (e) => {
        this.writesInFlight--;
        if (e) reject(this.dead ?? networkError(this.addr, e.message)); else resolve();
      });
    });
  }

  close(): void {
    this.kill(networkError(this.addr, 'connection closed'));
  }
}

function parseWelcome(m: Meta): Welcome {
  const fe = m.features;
  if (fe === null || typeof fe !== 'object') throw new BargeError('E_PROTOCOL', 'WELCOME without features');
  const o = fe as Meta;
  const res = o.mtimeResolutionNs;
  if (typeof res !== 'bigint') throw new BargeError('E_PROTOCOL', 'WELCOME: features.mtimeResolutionNs must be a big integer');
  const base = m.base === null ? null : f.entryType(m, 'base');
  return {
    agent: f.str(m, 'agent'), maxData: f.uint(m, 'maxData'), base, chosenHandles: m.chosenHandles === true,
    features: { hardlinks: f.bool(o, 'hardlinks'), sparse: f.bool(o, 'sparse'), owner: f.bool(o, 'owner'), mtimeResolutionNs: res },
  };
}

/**
 * SNI and the name the certificate must hold: the host name. An IP address is no SNI name
 * (Node warns on each such connection); without servername Node checks the host, an IP
 * address, against the certificate's IP subjectAltNames.
 */
function serverName(host: string, given: string | undefined): { servername?: string } {
  if (given !== undefined) return { servername: given };
  return net.isIP(host) === 0 ? { servername: host } : {};
}

function connectSocket(addr: PeerAddress, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = addr.tls
      ? tls.connect({ host: addr.host, port: addr.port, ...(addr.tls.ca ? { ca: addr.tls.ca } : {}), ...serverName(addr.host, addr.tls.servername) })
      : net.connect({ host: addr.host, port: addr.port });
    const ready = addr.tls ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => { s.destroy(); reject(networkError(addr, `no connection after ${timeoutMs} ms`)); }, timeoutMs);
    s.once(ready, () => {
      clearTimeout(timer);
      s.on('error', () => { /* 'close' follows and fails what waits */ });
      s.setNoDelay(true);
      s.setKeepAlive(true, 15_000);
      resolve(s);
    });
    s.once('error', (e: Error) => {
      clearTimeout(timer);
      reject(networkError(addr, `cannot connect: ${tlsProblem(e, '--tls-ca FILE') ?? e.message}`));
    });
  });
}
