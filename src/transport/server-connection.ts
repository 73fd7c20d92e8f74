// One accepted data-plane connection on the receiving side: its handshake, then its
// frames in order through one ServedSession, with WRITE bytes streamed into storage as
// the socket delivers them and the socket paused while too much waits (DataServer makes
// one per connection).
import type * as net from 'node:net';
import { BargeError, PartlyRemovedError, toErrorRecord } from '../core/errors.js';
import { DEFAULT_MAX_DATA_BYTES, StreamDecoder, writeFrame, FrameType, type Frame, type FrameSink, type FrameTypeCode, type Meta } from './frame-codec.js';
import * as f from './meta-fields.js';
import { checkGrant, newNonce, proofMatches, type SessionScope } from './session-auth.js';
import type { CheckedChunks } from './checked-chunks.js';
import { ServedSession, type IncomingWrite } from './served-session.js';
import { normalizeSessionPath } from './session-path.js';
import type { ReadBuffers, ReadBuffer } from './read-buffers.js';
import type { InlineWrites } from './inline-writes.js';
import type { DataServerOptions } from './data-server.js';

/** frames, and bytes, queued for one connection before it stops reading from the socket
 * (bytes: also those handed to a storage whose writes have not settled) */
const HIGH_WATER = 32;
const LOW_WATER = 8;
/** far below V8's external-memory step: TCP's window, not the agent's heap, holds a backlog
 * (at 64 MiB the agent fell into back-to-back full collections; bench/results/2026-11-22-dataplane.md) */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;
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

export class ServerConnection {
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
  /** paused until the peer reads the FAILs written to it (failStreamed) */
  private awaitingDrain = false;
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
    private readonly checkedChunks: CheckedChunks, private readonly inlineWrites: InlineWrites, private readonly reads: ReadBuffers | undefined, onGone: () => void) {
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
    // a whole WRITE with nothing queued before it is taken now: queued, it would keep the
    // next WRITE, whose head comes in the same read, from streaming, and that one the next
    if (fr.type === FrameType.WRITE && this.queued === 0 && this.state === 'open') { this.takeWrite(fr); return; }
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
    // one wait for the drain, however many FAILs went out meanwhile (one listener each
    // passed Node's leak warning under a peer that sends bad WRITEs and reads nothing)
    if (this.awaitingDrain) return;
    this.awaitingDrain = true;
    s.once('drain', () => { this.awaitingDrain = false; this.maybeResume(); });
  }

  private writeSlice(slice: Buffer): void {
    const w = this.incoming;
    if (!w || this.state === 'closed') return;
    // the read buffer the slice lies in is not reused until the storage has the bytes
    this.store(w, this.incomingId, slice, true);
  }

  /**
   * bytes of WRITE `id`: hashed now, handed to storage, settled in the background (a call
   * waits for them; a failure is one FAIL naming the handle). `inReadBuffer`: they lie in
   * one of the connection's read buffers, kept from reuse until then.
   */
  private store(w: IncomingWrite, id: number, bytes: Buffer, inReadBuffer: boolean): void {
    const p = (this.session as ServedSession).writeSlice(w, bytes);
    if (!p) return;
    const n = bytes.length;
    const held = inReadBuffer ? this.reads?.holdCurrent() : undefined;
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
    if (fr.type === FrameType.WRITE) { this.takeWrite(fr); return; }
    await this.settled();
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

  /**
   * A WRITE that came whole (behind a call, or cut by reads): taken as a streamed one is,
   * its storage write not waited for, so the queue drains at once (a chunk's WRITEs come
   * right behind its open, which the sender does not wait for either)
   */
  private takeWrite(fr: Frame): void {
    let w: IncomingWrite | undefined;
    try {
      w = (this.session as ServedSession).beginWrite(fr.meta, fr.data.length);
    } catch (e) {
      this.fail(fr.id, e, typeof fr.meta.handle === 'number' ? { handle: fr.meta.handle } : {});
      return;
    }
    if (w) this.store(w, fr.id, fr.data, false);
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
    const session = new ServedSession(ep.storage, h.scope.path, h.scope.write, this.o.hashes, this.checkedChunks, this.o.hashStepBytes, this.inlineWrites);
    const base = await ep.storage.stat(h.scope.path);
    clearTimeout(this.timer);
    this.session = session;
    this.state = 'open';
    this.decoder.limitData(this.o.maxData ?? DEFAULT_MAX_DATA_BYTES);
    const fe = ep.storage.features;
    this.send(FrameType.WELCOME, 0, {
      agent: this.o.agent, maxData: this.o.maxData ?? DEFAULT_MAX_DATA_BYTES, base: base?.type ?? null, chosenHandles: true,
      features: { hardlinks: fe.hardlinks, sparse: fe.sparse, owner: fe.owner, mtimeResolutionNs: fe.mtimeResolutionNs },
    });
    this.o.onEvent?.({ event: 'session', peer: this.peer, detail: `${h.scope.endpoint}:/${h.scope.path} ${h.scope.write ? 'rw' : 'ro'}` });
  }
}

function isProtocol(e: unknown): boolean {
  return e instanceof BargeError && e.code === 'E_PROTOCOL';
}
