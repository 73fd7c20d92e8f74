// Test set-up shared by the transport tests: a real DataServer on 127.0.0.1 serving
// PosixStorage endpoints in a temporary tree (with a sentinel tree outside the endpoint
// roots, to show nothing there is touched), raw peers that speak frames by hand, and a
// seeded PRNG so that fuzz failures can be replayed.
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BargeError, type ErrorCode } from '../../core/errors.js';
import { stringifyWithBigints } from '../../core/json-bigint.js';
import type { HashName } from '../../core/sync-options.js';
import { isTempName } from '../../core/temp-names.js';
// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- test set-up picks the engine's hashers, as cli does (DESIGN.md: only cli and test set-up pick concrete engines)
import { createHasher } from '../../engine/hasher.js';
import { PosixStorage } from '../../storage/posix/posix-storage.js';
import { FaultyStorage } from '../../storage/faulty-storage.js';
import type { EntryMeta, MetaChoice, Storage } from '../../storage/storage.js';
import { DataConnection, type PeerAddress, type SessionCredential } from '../data-connection.js';
import { DataServer, type DataServerOptions } from '../data-server.js';
import { encodeFrame, FrameDecoder, FrameType, type Frame, type Meta } from '../frame-codec.js';
import { RemoteStorage } from '../remote-storage.js';
import { tokenProof, type SessionScope } from '../session-auth.js';

export const TOKEN = 'the-lone-agent-token';
export const AGENT = 'agent-a';
/** the writable endpoint and the read-only one every served agent has */
export const RW = 'data';
export const RO = 'archive';
export const T1 = 1_700_000_000_123_456_789n;
export const KEEP_OWNER: MetaChoice = { owner: false };

/** a value for an assertion message (bigints and all) */
export function show(v: unknown): string {
  return stringifyWithBigints(v) ?? String(v);
}

export function meta(mode: number, mtimeNs: bigint = T1): EntryMeta {
  return { mode, uid: 0, gid: 0, mtimeNs };
}

const HASHES = new Set<string>(['xxh3', 'sha256', 'md5']);

/** a new temporary directory, in memory (tmpfs) where there is one: for tests that make many files */
export function memoryTempDir(): string {
  const base = fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').isDirectory() ? '/dev/shm' : os.tmpdir();
  return fs.mkdtempSync(path.join(base, 'barge-transport-'));
}

/** the server's hash factory, as `barge agent` wires it */
export function hashes(name: string): ReturnType<typeof createHasher> | undefined {
  return HASHES.has(name) ? createHasher(name as HashName) : undefined;
}

export function hashOf(bytes: Buffer, name: HashName = 'xxh3'): string {
  const h = createHasher(name);
  h.update(bytes);
  return h.digest();
}

export interface AgentOptions extends Partial<Omit<DataServerOptions, 'endpoints' | 'hashes'>> {
  /** an existing directory to build the tree in (default: a new temporary one) */
  top?: string;
}

export interface ServedAgent {
  /** the temporary tree: root/ (endpoint RW), archive/ (endpoint RO), outside/ (no endpoint) */
  top: string;
  root: string;
  roRoot: string;
  outside: string;
  server: DataServer;
  /** the PosixStorage behind endpoint RW (for setting things up as an earlier run would) */
  storage: PosixStorage;
  port: number;
  address: PeerAddress;
  events: { event: string; detail?: string }[];
  scope(p?: Partial<SessionScope>): SessionScope;
  open(scope?: Partial<SessionScope>, cred?: SessionCredential): Promise<DataConnection>;
  remote(scope?: Partial<SessionScope>, o?: { streams?: number; hash?: HashName }): Promise<RemoteStorage>;
  /** a remote storage whose first write to each of `paths` has a byte flipped on its way (FaultyStorage) */
  faultyRemote(paths: string[], scope?: Partial<SessionScope>, o?: { streams?: number }): Promise<Storage & { close(): void }>;
  raw(): Promise<RawPeer>;
  /** a raw peer past the handshake, in a read-write session at the endpoint's root */
  rawSession(): Promise<RawPeer>;
  /** stops the server and removes the tree */
  stop(): Promise<void>;
}

function serverOptions(o: AgentOptions): Partial<DataServerOptions> {
  const copy: AgentOptions = { ...o };
  delete copy.top;
  return copy;
}

export async function startAgent(o: AgentOptions = {}): Promise<ServedAgent> {
  const top = o.top ?? await fs.promises.mkdtemp(path.join(os.tmpdir(), 'barge-transport-'));
  const root = path.join(top, 'root');
  const roRoot = path.join(top, 'archive');
  const outside = path.join(top, 'outside');
  for (const d of [root, roRoot, outside, path.join(outside, 'dir')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(outside, 'sentinel'), 'outside the endpoint');
  fs.chmodSync(path.join(outside, 'sentinel'), 0o600);
  fs.writeFileSync(path.join(roRoot, 'kept'), 'archived bytes');
  const storage = new PosixStorage(root, { confineReads: true });
  const events: ServedAgent['events'] = [];
  const server = new DataServer({
    agent: AGENT, tokens: [TOKEN], grantKeys: [] as KeyObject[], handshakeTimeoutMs: 5000,
    ...serverOptions(o),
    endpoints: new Map([
      [RW, { storage, write: true }],
      [RO, { storage: new PosixStorage(roRoot, { confineReads: true }), write: false }],
    ]),
    hashes,
    onEvent: (e) => { events.push({ event: e.event, ...(e.detail === undefined ? {} : { detail: e.detail }) }); o.onEvent?.(e); },
  });
  const { port } = await server.listen('127.0.0.1', 0);
  const address: PeerAddress = { host: '127.0.0.1', port };
  const scope = (p: Partial<SessionScope> = {}): SessionScope => ({ endpoint: RW, path: '', write: true, ...p });
  return {
    top, root, roRoot, outside, server, storage, port, address, events, scope,
    open: (s = {}, cred = { token: TOKEN }) => DataConnection.open(address, scope(s), cred, { connectTimeoutMs: 5000 }),
    remote: async (s = {}, ro = {}) => (await RemoteStorage.probe({
      address, scope: scope(s), credential: { token: TOKEN }, streams: ro.streams ?? 2, hash: ro.hash ?? 'xxh3',
    })).storage,
    faultyRemote: async (paths, s = {}, ro = {}) => {
      const inner = (await RemoteStorage.probe({ address, scope: scope(s), credential: { token: TOKEN }, streams: ro.streams ?? 2, hash: 'xxh3' })).storage;
      return Object.assign(new FaultyStorage(inner, { once: paths, always: [] }), { close: () => inner.close() });
    },
    raw: () => RawPeer.connect(port),
    rawSession: async () => {
      const p = await RawPeer.connect(port);
      await p.handshake(scope());
      return p;
    },
    stop: async () => {
      await server.close();
      await fs.promises.rm(top, { recursive: true, force: true });
    },
  };
}

/** A peer that writes whatever bytes it likes and records the frames the server sends back. */
export class RawPeer {
  readonly frames: Frame[] = [];
  /** the server sent something that is not a frame */
  decodeError: unknown;
  private cursor = 0;
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private wake: (() => void) | undefined;
  private isClosed = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      try { this.frames.push(...this.decoder.push(chunk)); } catch (e) { this.decodeError = e; }
      this.wake?.();
    });
    socket.on('error', () => { /* 'close' follows */ });
    this.closed = new Promise((resolve) => socket.on('close', () => { this.isClosed = true; this.wake?.(); resolve(); }));
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => { s.off('error', reject); resolve(new RawPeer(s)); });
      s.once('error', reject);
    });
  }

  get gone(): boolean {
    return this.isClosed;
  }

  send(...bytes: Buffer[]): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(Buffer.concat(bytes));
  }

  frame(type: number, id: number, m: Meta, data?: Buffer): void {
    this.send(encodeFrame(type as Frame['type'], id, m, data));
  }

  /** the next frame the server sent, or undefined if the connection closed (or `ms` passed) first */
  async next(ms = 5000): Promise<Frame | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.frames[this.cursor];
      if (f) { this.cursor++; return f; }
      if (this.isClosed || Date.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
      });
    }
  }

  /** the next frame, which must be of this type */
  async expect(type: number, ms = 5000): Promise<Frame> {
    const f = await this.next(ms);
    assert.ok(f, `expected a frame of type ${type}, the connection ${this.isClosed ? 'closed' : 'stayed silent'}`);
    assert.equal(f.type, type, `expected frame type ${type}, got ${f.type} ${show(f.meta)}`);
    return f;
  }

  /** true if the server closed the connection within `ms` */
  async closedWithin(ms: number): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    const r = await Promise.race([this.closed.then(() => true), new Promise<boolean>((resolve) => { t = setTimeout(() => resolve(false), ms); })]);
    clearTimeout(t);
    return r;
  }

  /** HELLO, CHALLENGE, PROOF with the token, WELCOME */
  async handshake(scope: SessionScope, token = TOKEN): Promise<Frame> {
    this.frame(FrameType.HELLO, 0, { ...scope });
    const ch = await this.expect(FrameType.CHALLENGE);
    this.frame(FrameType.PROOF, 0, { proof: tokenProof(token, String(ch.meta.nonce), scope) });
    return this.expect(FrameType.WELCOME);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** `p`, which must settle within `ms` (else it waits for something it should not) */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${what} did not settle in ${ms} ms`)), ms); });
  try { return await Promise.race([p, late]); } finally { clearTimeout(t); }
}

/** awaits `p`, which must fail with a BargeError of this code (or one of these) */
export async function rejectsWith(p: Promise<unknown>, code: ErrorCode | readonly ErrorCode[], what = 'the call'): Promise<BargeError> {
  const codes: readonly ErrorCode[] = typeof code === 'string' ? [code] : code;
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    assert.ok(e instanceof BargeError, `${what}: expected a BargeError ${codes.join('/')}, got ${String(e)}`);
    assert.ok(codes.includes(e.code), `${what}: ${e.code} (${e.message}), expected ${codes.join(' or ')}`);
    return e;
  }
  assert.fail(`${what} should have failed with ${codes.join(' or ')}, it returned ${show(result)}`);
}

/** every name under `dir` (relative, '/'-separated) with what it is: to show a tree was not touched */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const abs = path.join(dir, r);
      const st = fs.lstatSync(abs, { bigint: true });
      const what = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? `link:${fs.readlinkSync(abs)}` : `file:${hashOf(fs.readFileSync(abs))}`;
      out.set(r, `${what} mode=${(st.mode & 0o7777n).toString(8)} mtime=${st.mtimeNs} uid=${st.uid}`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

/** barge's temporary and partial names anywhere under `dir` */
export function tempNames(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (isTempName(e.name)) out.push(r);
      if (e.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

/** polls `check` until it is true or `ms` passed; returns its last answer */
export async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** mulberry32: a small seeded PRNG, so a fuzz failure names the seed that replays it */
export class Prng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** in [0, 1) */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** an integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
}

/** bytes with a recognisable, position-dependent pattern */
export function pattern(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff;
  return b;
}
