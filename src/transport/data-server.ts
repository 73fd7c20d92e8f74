// The receiving end of the data plane: accepts TCP (or TLS) connections, runs the
// handshake (token proof or coordinator grant), then serves one ServedSession per
// connection. A peer that sends garbage gets one FAIL frame and is disconnected; nothing
// it sends can reach a path outside the endpoint or write where writing is not allowed.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { KeyObject } from 'node:crypto';
import { BargeError, PartlyRemovedError, toErrorRecord } from '../core/errors.js';
import type { Storage } from '../storage/storage.js';
import { DEFAULT_MAX_DATA_BYTES, StreamDecoder, writeFrame, FrameType, type Frame, type FrameSink, type FrameTypeCode, type Meta } from './frame-codec.js';
import * as f from './meta-fields.js';
import { checkGrant, newNonce, proofMatches, type SessionScope } from './session-auth.js';
import { CheckedChunks } from './checked-chunks.js';
import { ServedSession, type HashFactory, type IncomingWrite } from './served-session.js';
import { normalizeSessionPath } from './session-path.js';
import { ReadBuffers, type ReadBuffer } from './read-buffers.js';
import { withOwnReads } from './own-reads.js';

export interface ServedEndpoint {
  storage: Storage;
  write: boolean;
}

export interface DataServerOptions {
  /** this agent's name, which grants name */
  agent: string;
  endpoints: ReadonlyMap<string, ServedEndpoint>;
  /** lone-agent tokens a client may prove it holds */
  tokens: readonly string[];
  /** coordinator public keys whose grants are accepted */
  grantKeys: readonly KeyObject[];
  /**
   * Grants are checked only once this settles. An agent under a coordinator listens before
   * it enrols (the address it advertises must be known), and learns the keys and its
   * endpoints at enrolment: a push that arrives in between waits (within the handshake
   * timeout) rather than being refused for a key the agent does not have yet.
   */
  ready?: Promise<void>;
  hashes: HashFactory;
  maxData?: number;
  tls?: { key: Buffer | string; cert: Buffer | string };
  handshakeTimeoutMs?: number;
  /** bytes a 'hash' call hashes before it replies (default 256 MiB; tests use less) */
  hashStepBytes?: number;
  /** what happened, for the agent's log */
  onEvent?: (e: { event: 'session' | 'refused' | 'closed' | 'protocol-error' | 'checksum'; peer: string; detail?: string }) => void;
  now?: () => number;
}

/** frames, and bytes, queued for one connection before it stops reading from the socket
 * (bytes: also those handed to a storage whose writes have not settled) */
const HIGH_WATER = 32;
const LOW_WATER = 8;
/** far below V8's external-memory step: TCP's window, not the agent's heap, holds a backlog
 * (at 64 MiB the agent fell into back-to-back full collections; bench/results/2026-11-22-dataplane.md) */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;
/** the most one socket read takes (a plain TCP connection reading into its own buffers) */
const READ_BYTES = 1024 * 1024;
/**
 * read buffers a connection keeps for reuse: the writes of a busy stream hold two or three
 * at a time; more are made only while storage lags (up to the high-water mark), and an
 * idle connection holds no more than this (an agent may serve many)
 */
const READ_BUFFERS_KEPT = 4;
/** before the handshake is done a peer may send only small frames */
const HANDSHAKE_MAX_DATA = 64 * 1024;
/** a session with no traffic either way for this long is closed (a half-open peer) */
const IDLE_MS = 15 * 60_000;
/** a FAIL's message and path are cut to these lengths: they may echo what a peer sent, and
 * even at six bytes of JSON per character the FAIL stays under the meta limit */
const MAX_FAIL_MESSAGE = 2000;
const MAX_FAIL_PATH = 4096;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/** what a data server has done since it started, for metrics; bytes are on the wire, frames included */
export interface DataPlaneStats {
  /** connections open now */
  connections: number;
  /** sessions opened (handshake passed) */
  sessions: number;
  /** connections refused: bad token or grant, a scope the server does not serve */
  refused: number;
  /** connections ended for a malformed or hostile frame */
  protocolErrors: number;
  /** files or chunks whose bytes did not hash to what the sender read */
  checksumErrors: number;
  bytesIn: number;
  bytesOut: number;
}

export class DataServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly checkedChunks = new CheckedChunks();
  /** every connection until its session has closed: close() waits for them */
  private readonly ending = new Set<Promise<void>>();
  private readonly o: DataServerOptions;
  private readonly counts = { sessions: 0, refused: 0, protocolErrors: 0, checksumErrors: 0, bytesIn: 0, bytesOut: 0 };

  constructor(options: DataServerOptions) {
    const c = this.counts;
    this.o = {
      ...options,
      onEvent: (e) => {
        if (e.event === 'session') c.sessions++;
        else if (e.event === 'refused') c.refused++;
        else if (e.event === 'protocol-error') c.protocolErrors++;
        else if (e.event === 'checksum') c.checksumErrors++;
        options.onEvent?.(e);
      },
    };
    const onSocket = (s: net.Socket): void => this.accept(s);
    // plain TCP accepts paused: the connection is re-wrapped to read into buffers of its own before any byte is read
    this.server = options.tls ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, onSocket) : net.createServer({ pauseOnConnect: true }, onSocket);
  }

  stats(): DataPlaneStats {
    let bytesIn = this.counts.bytesIn;
    let bytesOut = this.counts.bytesOut;
    for (const s of this.sockets) {
      bytesIn += s.bytesRead;
      bytesOut += s.bytesWritten;
    }
    return { ...this.counts, connections: this.sockets.size, bytesIn, bytesOut };
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const a = this.server.address() as net.AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** stop accepting; open sessions are closed (their whole files in flight removed) */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    await Promise.all([...this.ending]);
  }

  private accept(accepted: net.Socket): void {
    const pool = this.o.tls ? undefined : new ReadBuffers(READ_BYTES, READ_BUFFERS_KEPT);
    // the connection is made once the socket is: reads begin only after this turn of the loop
    const to: { c?: ServerConnection } = {};
    const own = pool && withOwnReads(accepted, pool, (chunk) => to.c?.receive(chunk));
    const socket = own ?? accepted;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const c = to.c = new ServerConnection(socket, peer, this.o, this.checkedChunks, own ? pool : undefined, () => {
      if (!this.sockets.delete(socket)) return;
      this.counts.bytesIn += socket.bytesRead;
      this.counts.bytesOut += socket.bytesWritten;
    });
    if (!own) {
      socket.on('data', (chunk: Buffer) => c.receive(chunk));
      socket.resume();
    }
    this.ending.add(c.ended);
    void c.ended.then(() => this.ending.delete(c.ended));
  }
}

class ServerConnection {
  private readonly decoder: StreamDecoder;
  private state: 'hello' | 'proof' | 'open' | 'closed' = 'hello';
  private hello: { scope: SessionScope; grant: string | undefined; nonce: string } | undefined;
  private session: ServedSession | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private queuedBytes = 0;
  /** the WRITE frame whose bytes are streaming in (see sink), and its id */
  private incoming: IncomingWrite | undefined;
  private incomingId = 0;
  /** storage writes of streamed bytes not settled yet (posix storage settles them at once) */
  private inflight = 0;
  private inflightBytes = 0;
  private settledWaiters: (() => void)[] = [];
  /**
   * What the decoder decodes. Calls, and frames while earlier ones are still being
   * handled, go through the chain, one at a time, in order. A WRITE that arrives while
   * nothing is queued is not assembled: its bytes are hashed and written as the socket
   * delivers them (slices of its reads), so no frame is copied or held.
   */
  private readonly sink: FrameSink = {
    frame: (fr) => { this.enqueue(fr); },
    begin: (id, meta, length) => this.beginWrite(id, meta, length),
    data: (slice) => { this.writeSlice(slice); },
    end: () => { this.incoming = undefined; },
  };
  private readonly timer: NodeJS.Timeout;
  /** settles once the socket is gone and the session has closed (its whole files in flight removed) */
  readonly ended: Promise<void>;

  /**
   * @param reads the buffers `socket` reads into, reused once each read is handled: a write
   *   of streamed bytes holds its buffer until it settles (none: every read is a new buffer)
   */
  constructor(private readonly socket: net.Socket, private readonly peer: string, private readonly o: DataServerOptions,
    private readonly checkedChunks: CheckedChunks, private readonly reads: ReadBuffers | undefined, onGone: () => void) {
    this.decoder = new StreamDecoder(HANDSHAKE_MAX_DATA, FrameType.WRITE, reads !== undefined);
    socket.setKeepAlive(true, 30_000);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    this.timer = setTimeout(() => this.refuse(new BargeError('E_AUTH', 'handshake not finished in time')), o.handshakeTimeoutMs ?? 10_000);
    let ended = (): void => undefined;
    this.ended = new Promise<void>((resolve) => { ended = resolve; });
    socket.on('error', () => { /* 'close' follows */ });
    socket.on('close', () => {
      clearTimeout(this.timer);
      this.state = 'closed';
      onGone();
      const s = this.session;
      if (s) this.chain = this.chain.then(() => this.settled()).then(() => s.close()).then(() => o.onEvent?.({ event: 'closed', peer }));
      void this.chain.then(ended, ended);
    });
  }

  private send(type: FrameTypeCode, id: number, meta: Meta, data?: Buffer): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    writeFrame(this.socket, type, id, meta, data);
  }

  /** extra: fields that say what failed, e.g. the write handle of a failed WRITE */
  private fail(id: number, e: unknown, extra: Meta = {}): void {
    const r = toErrorRecord(this.session ? this.session.forPeer(e) : e);
    // a removal that stopped part way: the peer counts what it did remove
    if (e instanceof PartlyRemovedError) extra = { ...extra, removed: e.removed };
    this.send(FrameType.FAIL, id, {
      ...extra, code: r.code, message: clip(r.message, MAX_FAIL_MESSAGE), retryable: r.retryable, ...(r.path === undefined ? {} : { path: clip(r.path, MAX_FAIL_PATH) }),
    });
  }

  /** a peer that does not read its replies is neither served nor read from until it does */
  private drained(): Promise<void> {
    const s = this.socket;
    if (!s.writableNeedDrain || s.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => { s.off('drain', done); s.off('close', done); resolve(); };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  /** one FAIL frame, then the connection ends */
  private refuse(e: unknown): void {
    if (this.state === 'closed') return;
    this.fail(0, e);
    this.o.onEvent?.({ event: isProtocol(e) ? 'protocol-error' : 'refused', peer: this.peer, detail: e instanceof Error ? e.message : String(e) });
    this.state = 'closed';
    this.socket.end();
    // a peer that does not read its FAIL is not waited for
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** what the socket read */
  receive(chunk: Buffer): void {
    if (this.state === 'closed') return;
    try { this.decoder.push(chunk, this.sink); } catch (e) { this.refuse(e); }
  }

  private enqueue(fr: Frame): void {
    if (this.state === 'closed') return;
    this.queued++;
    this.queuedBytes += fr.data.length;
    if (this.queued >= HIGH_WATER || this.queuedBytes >= HIGH_WATER_BYTES) this.socket.pause();
    this.chain = this.chain.then(() => this.handle(fr)).catch((e: unknown) => this.refuse(e)).finally(() => {
      this.queued--;
      this.queuedBytes -= fr.data.length;
      this.maybeResume();
    });
  }

  private maybeResume(): void {
    if (this.queued <= LOW_WATER && this.queuedBytes < HIGH_WATER_BYTES / 4 && this.inflightBytes < HIGH_WATER_BYTES / 4 && this.socket.isPaused()) this.socket.resume();
  }

  /** a WRITE's head: true to take its bytes as they arrive, false to have it whole, in the chain, after what is queued */
  private beginWrite(id: number, meta: Meta, length: number): boolean {
    if (this.state !== 'open' || this.queued > 0) return false;
    this.incomingId = id;
    try {
      this.incoming = (this.session as ServedSession).beginWrite(meta, length);
    } catch (e) {
      this.incoming = undefined;
      this.failStreamed(id, e, typeof meta.handle === 'number' ? { handle: meta.handle } : {});
    }
    return true;
  }

  /** a FAIL outside the chain; a peer that does not read it is not read from until it does */
  private failStreamed(id: number, e: unknown, extra: Meta): void {
    this.fail(id, e, extra);
    const s = this.socket;
    if (!s.writableNeedDrain || s.destroyed || this.state === 'closed') return;
    s.pause();
    s.once('drain', () => this.maybeResume());
  }

  private writeSlice(slice: Buffer): void {
    const w = this.incoming;
    if (!w || this.state === 'closed') return;
    const p = (this.session as ServedSession).writeSlice(w, slice);
    if (!p) return;
    const id = this.incomingId;
    const n = slice.length;
    // the read buffer the slice lies in is not reused until the storage has the bytes
    const held = this.reads?.holdCurrent();
    this.inflight++;
    this.inflightBytes += n;
    if (this.inflightBytes >= HIGH_WATER_BYTES) this.socket.pause();
    p.then(() => { this.settle(n, held); }, (e: unknown) => {
      this.settle(n, held);
      const error = this.session?.writeFailed(w, e);
      if (error) this.failStreamed(id, error, { handle: w.handle });
    });
  }

  private settle(n: number, held: ReadBuffer | undefined): void {
    if (held) this.reads?.release(held);
    this.inflight--;
    this.inflightBytes -= n;
    if (this.inflight === 0 && this.settledWaiters.length > 0) {
      const waiters = this.settledWaiters;
      this.settledWaiters = [];
      for (const w of waiters) w();
    }
    this.maybeResume();
  }

  /** every streamed write has settled (so a call sees their outcome) */
  private settled(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private async handle(fr: Frame): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'hello') return this.onHello(fr);
    if (this.state === 'proof') return this.onProof(fr);
    const session = this.session as ServedSession;
    await this.settled();
    if (fr.type === FrameType.WRITE) {
      try {
        const failed = await session.write(fr.meta, fr.data);
        if (failed) this.fail(fr.id, failed.error, { handle: failed.handle });
      } catch (e) {
        this.fail(fr.id, e, typeof fr.meta.handle === 'number' ? { handle: fr.meta.handle } : {});
      }
      return;
    }
    if (fr.type !== FrameType.CALL) throw new BargeError('E_PROTOCOL', `frame type ${fr.type} is not expected in an open session`);
    try {
      const r = await session.call(f.str(fr.meta, 'op'), fr.meta, fr.data);
      if (r.parts) {
        r.parts.forEach((p, i) => this.send(FrameType.REPLY, fr.id, { ...p.meta, more: i < (r.parts as unknown[]).length - 1 }, p.data));
      } else this.send(FrameType.REPLY, fr.id, r.meta, r.data);
    } catch (e) {
      // bytes that arrived other than they were read: worth a line in the agent's log
      if (e instanceof BargeError && e.code === 'E_CHECKSUM') this.o.onEvent?.({ event: 'checksum', peer: this.peer, detail: `${e.path ?? ''}: ${e.message}` });
      this.fail(fr.id, e);
    }
    await this.drained();
  }

  private onHello(fr: Frame): void {
    if (fr.type !== FrameType.HELLO) throw new BargeError('E_PROTOCOL', 'the first frame must be HELLO');
    const scope: SessionScope = { endpoint: f.str(fr.meta, 'endpoint'), path: normalizeSessionPath(f.str(fr.meta, 'path')), write: f.bool(fr.meta, 'write') };
    const nonce = newNonce();
    this.hello = { scope, grant: f.optStr(fr.meta, 'grant'), nonce };
    this.state = 'proof';
    this.send(FrameType.CHALLENGE, 0, { nonce, agent: this.o.agent });
  }

  private async onProof(fr: Frame): Promise<void> {
    if (fr.type !== FrameType.PROOF) throw new BargeError('E_PROTOCOL', 'expected PROOF after CHALLENGE');
    const h = this.hello as NonNullable<ServerConnection['hello']>;
    if (h.grant !== undefined) {
      if (this.o.ready) await this.o.ready;
      checkGrant(this.o.grantKeys, h.grant, this.o.agent, h.scope, this.o.now?.() ?? Date.now());
    } else {
      const proof = f.optStr(fr.meta, 'proof');
      if (proof === undefined) throw new BargeError('E_AUTH', 'no token or grant offered');
      if (!proofMatches(this.o.tokens, proof, h.nonce, h.scope)) throw new BargeError('E_AUTH', 'the agent does not accept this token');
    }
    const ep = this.o.endpoints.get(h.scope.endpoint);
    if (!ep) throw new BargeError('E_BAD_INPUT', `no endpoint named '${h.scope.endpoint}' on agent '${this.o.agent}'`);
    if (h.scope.write && !ep.write) throw new BargeError('E_READ_ONLY', `endpoint '${h.scope.endpoint}' is not writable on agent '${this.o.agent}'`);
    const session = new ServedSession(ep.storage, h.scope.path, h.scope.write, this.o.hashes, this.checkedChunks, this.o.hashStepBytes);
    const base = await ep.storage.stat(h.scope.path);
    clearTimeout(this.timer);
    this.session = session;
    this.state = 'open';
    this.decoder.limitData(this.o.maxData ?? DEFAULT_MAX_DATA_BYTES);
    const fe = ep.storage.features;
    this.send(FrameType.WELCOME, 0, {
      agent: this.o.agent, maxData: this.o.maxData ?? DEFAULT_MAX_DATA_BYTES, base: base?.type ?? null,
      features: { hardlinks: fe.hardlinks, sparse: fe.sparse, owner: fe.owner, mtimeResolutionNs: fe.mtimeResolutionNs },
    });
    this.o.onEvent?.({ event: 'session', peer: this.peer, detail: `${h.scope.endpoint}:/${h.scope.path} ${h.scope.write ? 'rw' : 'ro'}` });
  }
}

function isProtocol(e: unknown): boolean {
  return e instanceof BargeError && e.code === 'E_PROTOCOL';
}
