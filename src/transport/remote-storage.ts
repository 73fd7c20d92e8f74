// A Storage on another host, reached through the data plane: the engine syncs into a
// barge agent exactly as into a local directory. Connections open as calls need them, up
// to `streams`; a file's write handle stays on the connection that opened it, and every
// file or chunk is checked by the receiver against the hash the sender read.
import type { Entry, EntryType } from '../core/entry.js';
import { BargeError } from '../core/errors.js';
import { parseWithBigints } from '../core/json-bigint.js';
import type { ChunkWriter, EntryMeta, FileReader, FileWriter, ManyWrite, MetaChoice, ListOptions, PartialCheck, PartialFile, Storage, StorageFeatures, WriteOptions } from '../storage/storage.js';
import { DataConnection, type PeerAddress, type SessionCredential, type WireFeatures } from './data-connection.js';
import type { Meta } from './frame-codec.js';
import * as f from './meta-fields.js';
import type { SessionScope } from './session-auth.js';

export interface RemoteTarget {
  address: PeerAddress;
  scope: SessionScope;
  credential: SessionCredential;
  /** connections this storage may open */
  streams: number;
  /** the hash the receiver computes over what arrives (the sender's --hash) */
  hash: string;
}

/**
 * The features of a storage an agent serves, from the four its WELCOME carries (docs/protocol.md).
 * The others are derived here rather than added to the wire: an agent serves posix endpoints,
 * which keep symlinks and posix metadata, a RemoteStorage has no stager, and its agent takes
 * a file or chunk only once what arrived hashes to what the sender read (docs/protocol.md,
 * Integrity).
 */
export function remoteFeatures(wire: WireFeatures): StorageFeatures {
  return {
    hardlinks: wire.hardlinks, sparse: wire.sparse, owner: wire.owner, mtimeResolutionNs: wire.mtimeResolutionNs,
    symlinks: true, posixMeta: true, staging: false, checksSentHash: true,
  };
}

/** 'barge://host:port/endpoint/path' */
export function remoteRootText(t: RemoteTarget): string {
  return `barge://${t.address.host}:${t.address.port}/${t.scope.endpoint}${t.scope.path === '' ? '' : '/' + t.scope.path}`;
}

/** a write-many call's files: at most this many, and about this much of its meta (the meta limit is 64 KiB) */
const MANY_PER_CALL = 128;
const MANY_META_BYTES = 40 * 1024;

export class RemoteStorage implements Storage {
  readonly root: string;
  private readonly conns: DataConnection[] = [];
  private opening: Promise<DataConnection> | undefined;

  constructor(private readonly t: RemoteTarget, readonly features: StorageFeatures) {
    this.root = remoteRootText(t);
  }

  /** one connection, to learn the receiver's features and what is at the path */
  static async probe(t: RemoteTarget): Promise<{ storage: RemoteStorage; base: EntryType | null }> {
    return RemoteStorage.connected(t, await DataConnection.open(t.address, t.scope, t.credential));
  }

  /** a storage over `c`, its first connection, with what its WELCOME said is at the path */
  private static connected(t: RemoteTarget, c: DataConnection): { storage: RemoteStorage; base: EntryType | null } {
    const s = new RemoteStorage(t, remoteFeatures(c.welcome.features));
    s.conns.push(c);
    return { storage: s, base: c.welcome.base };
  }

  /**
   * probe, with the session's directory made (mkdir -p) in the same round trips: the
   * mkbase call goes right behind the handshake's PROOF. `made`: the base's entry as mkbase
   * left it (undefined from an agent that does not say), or why it could not be made (a
   * file in the way, say); `base` is what was there before.
   */
  static async probeAndMakeBase(t: RemoteTarget): Promise<{ storage: RemoteStorage; base: EntryType | null; made: { entry: Entry | undefined } | { error: unknown } }> {
    const { c, reply } = await DataConnection.openWithCall(t.address, t.scope, t.credential, { op: 'mkbase', meta: {} });
    let made: { entry: Entry | undefined } | { error: unknown };
    try {
      made = { entry: baseEntry((await (reply as Promise<{ meta: Meta }>)).meta) };
    } catch (error) { made = { error }; }
    return { ...RemoteStorage.connected(t, c), made };
  }

  /**
   * Opens the first connection now, in the background: over a long link its handshake
   * (three round trips) then overlaps whatever runs before the first call. A failure is
   * left to that call, which opens again and reports it. `early`: one already opening (a
   * thread's, begun before it knew this storage); should it fail, a fresh one opens.
   */
  warm(early?: Promise<DataConnection>): void {
    if (this.conns.length > 0 || this.opening) return;
    if (!early) { this.conn().catch(() => undefined); return; }
    this.opening = early.catch(() => DataConnection.open(this.t.address, this.t.scope, this.t.credential)).then((c) => {
      this.conns.push(c);
      return c;
    }).finally(() => { this.opening = undefined; });
    this.opening.catch(() => undefined);
  }

  /** the least busy live connection, or a new one while under `streams` and all are busy */
  private async conn(): Promise<DataConnection> {
    for (let i = this.conns.length - 1; i >= 0; i--) if (!(this.conns[i] as DataConnection).alive) this.conns.splice(i, 1);
    let best: DataConnection | undefined;
    for (const c of this.conns) if (!best || c.load < best.load) best = c;
    if (best && (best.load === 0 || this.conns.length >= this.t.streams)) return best;
    if (!this.opening) {
      this.opening = DataConnection.open(this.t.address, this.t.scope, this.t.credential).then((c) => {
        this.conns.push(c);
        return c;
      }).finally(() => { this.opening = undefined; });
    }
    try {
      return await this.opening;
    } catch (e) {
      if (best) return best;
      throw e;
    }
  }

  private async call(op: string, meta: Meta, data?: Buffer): Promise<Meta> {
    return (await (await this.conn()).call(op, meta, data)).meta;
  }

  close(): void {
    for (const c of this.conns) c.close();
    this.conns.length = 0;
  }

  async stat(path: string, opts?: ListOptions): Promise<Entry | undefined> {
    const m = await this.call('stat', { path, ...f.wireListOptions(opts) });
    return m.entry === null ? undefined : f.withXattrs(f.entry(m.entry as Meta), opts, path);
  }

  async list(dir: string, opts?: ListOptions): Promise<Entry[]> {
    const parts = await (await this.conn()).callParts('list', { path: dir, ...f.wireListOptions(opts) });
    const out: Entry[] = [];
    for (const p of parts) {
      let v: unknown;
      try { v = parseWithBigints<unknown>(p.data.toString('utf8')); } catch { throw new BargeError('E_PROTOCOL', 'a listing reply is not valid JSON', { path: dir }); }
      for (const e of f.entries(v, 'entries')) out.push(f.withXattrs(e, opts, dir));
    }
    return out;
  }

  async openRead(path: string): Promise<FileReader> {
    const c = await this.conn();
    const m = (await c.call('open-read', { path })).meta;
    return new RemoteReader(c, f.uint(m, 'handle'), f.uint(m, 'size'));
  }

  async openWrite(path: string, opts: WriteOptions): Promise<FileWriter> {
    const c = await this.conn();
    const m = (await c.call('open-write', { path, size: opts.size, sparse: opts.sparse, replaces: opts.replaces ?? true, hash: this.t.hash })).meta;
    return new RemoteFileWriter(c, f.uint(m, 'handle'));
  }

  async mkdir(path: string): Promise<void> {
    await this.call('mkdir', { path });
  }

  async symlink(path: string, target: string, meta: EntryMeta, choice: MetaChoice): Promise<void> {
    await this.call('symlink', { path, target, meta: f.wireMeta(meta), choice });
  }

  async link(existing: string, path: string): Promise<void> {
    await this.call('link', { existing, path });
  }

  async remove(path: string): Promise<number> {
    return f.uint(await this.call('remove', { path }), 'count');
  }

  async removeEmptyDir(path: string): Promise<void> {
    await this.call('rmdir', { path });
  }

  async setMeta(path: string, type: Entry['type'], meta: EntryMeta, choice: MetaChoice): Promise<void> {
    await this.call('setmeta', { path, type, meta: f.wireMeta(meta), choice });
  }

  async writeWhole(path: string, bytes: Buffer, meta: EntryMeta, choice: MetaChoice, sentHash?: string): Promise<boolean> {
    if (sentHash === undefined) return false; // the receiver checks every file; without the sender's hash take the general path
    if (meta.xattrs) return false; // the agent's one-call write sets none: the general path
    return f.bool(await this.call('write-whole', { path, meta: f.wireMeta(meta), choice, hash: this.t.hash, sentHash }, bytes), 'done');
  }

  /**
   * A directory's new small files in a few calls, each with a file list in its meta and
   * the bytes in its data, sent one after another without waiting; a file counts as
   * written only where the receiver took it (it checks each against its sentHash).
   */
  async writeMany(dir: string, files: readonly ManyWrite[], buf: Buffer, choice: MetaChoice): Promise<boolean[]> {
    if (files.some((x) => x.sentHash === undefined)) return files.map(() => false); // the receiver checks every file
    const calls: Promise<boolean[]>[] = [];
    for (let i = 0; i < files.length;) {
      let end = i;
      let metaBytes = 0;
      while (end < files.length && (end === i || (end - i < MANY_PER_CALL && metaBytes < MANY_META_BYTES))) {
        metaBytes += 200 + Buffer.byteLength((files[end] as ManyWrite).name);
        end++;
      }
      calls.push(this.writeManyCall(dir, files.slice(i, end), buf, choice));
      i = end;
    }
    return (await Promise.all(calls)).flat();
  }

  private async writeManyCall(dir: string, files: readonly ManyWrite[], buf: Buffer, choice: MetaChoice): Promise<boolean[]> {
    const from = Math.min(...files.map((x) => x.offset));
    const to = Math.max(...files.map((x) => x.offset + x.length));
    const list = files.map((x) => [x.name, x.offset - from, x.length, f.wireMeta(x.meta), x.sentHash]);
    const m = await this.call('write-many', { path: dir, hash: this.t.hash, choice, files: list }, buf.subarray(from, to));
    return f.bools(m, 'done', files.length);
  }

  async preparePartial(path: string, opts: WriteOptions & { identity: string; chunkSize: number }): Promise<PartialFile> {
    const reply = await (await this.conn()).call('prepare-partial', { path, size: opts.size, sparse: opts.sparse, identity: opts.identity, chunkSize: opts.chunkSize });
    let rec: unknown;
    try { rec = JSON.parse(reply.data.toString('utf8')); } catch { rec = undefined; }
    if (!Array.isArray(rec)) throw new BargeError('E_PROTOCOL', 'prepare-partial: the recorded chunks must be a JSON list', { path });
    const recorded = new Map<number, string>();
    for (const x of rec as unknown[]) {
      if (!Array.isArray(x) || typeof x[0] !== 'number' || typeof x[1] !== 'string') throw new BargeError('E_PROTOCOL', 'prepare-partial: bad recorded chunk', { path });
      recorded.set(x[0], x[1]);
    }
    const owner = f.optStr(reply.meta, 'owner'); // none from an agent older than owners: nothing is checked there
    return owner === undefined ? { recorded } : { recorded, owner };
  }

  /**
   * Where the agent takes a handle chosen here, the open goes out and the writer is
   * returned at once: the chunk's bytes follow the open without a round trip between (at
   * every chunk of a large file). The open's failure then comes at a write or at close.
   */
  async openPartialWrite(path: string, opts: WriteOptions & { owner?: string }): Promise<ChunkWriter> {
    const c = await this.conn();
    const m: Meta = { path, size: opts.size, sparse: opts.sparse, hash: this.t.hash, ...(opts.owner === undefined ? {} : { owner: opts.owner }) };
    const chosen = c.chooseHandle();
    if (chosen === undefined) return new RemoteChunkWriter(c, f.uint((await c.call('open-partial-write', m)).meta, 'handle'), Promise.resolve());
    const opened = c.call('open-partial-write', { ...m, handle: chosen }).then(() => undefined, (e: unknown) => {
      if (e instanceof BargeError) c.failHandle(chosen, e);
      throw e;
    });
    opened.catch(() => undefined); // the writer's close reports it
    return new RemoteChunkWriter(c, chosen, opened);
  }

  async openPartialRead(path: string): Promise<FileReader> {
    const c = await this.conn();
    const m = (await c.call('open-partial-read', { path })).meta;
    return new RemoteReader(c, f.uint(m, 'handle'), f.uint(m, 'size'));
  }

  async recordChunk(path: string, index: number, hash: string, owner?: string): Promise<void> {
    await this.call('record-chunk', recordChunkMeta(path, index, hash, owner));
  }

  async commitPartial(path: string, meta: EntryMeta, choice: MetaChoice, check?: PartialCheck): Promise<void> {
    if (!check) { await this.call('commit-partial', { path, meta: f.wireMeta(meta), choice }); return; }
    // the chunk hashes in the data part: a large file's list outgrows a frame's meta
    await this.call('commit-partial', { path, meta: f.wireMeta(meta), choice, owner: check.owner }, Buffer.from(JSON.stringify(check.chunkHashes)));
  }

  async abortPartial(path: string, owner?: string): Promise<void> {
    await this.call('abort-partial', { path, ...(owner === undefined ? {} : { owner }) });
  }
}

/** a mkbase reply's entry of the base (none from an agent older than that answer) */
function baseEntry(m: Meta): Entry | undefined {
  return m.entry === undefined || m.entry === null ? undefined : f.entry(m.entry as Meta);
}

/** connections to agents that do not know the 'hash' call (older ones): their readers read */
const noHashCall = new WeakSet<DataConnection>();

class RemoteReader implements FileReader {
  constructor(private readonly c: DataConnection, private readonly handle: number, readonly size: number) {}

  /** the agent hashes the range where the file is: only the digest travels */
  async hashRange(hash: string, position: number, length: number, dropBehind: boolean, checkpoint?: () => void): Promise<string | undefined> {
    if (noHashCall.has(this.c)) return undefined;
    let m: Meta;
    try {
      m = (await this.c.call('hash', { handle: this.handle, hash, offset: position, length, drop: dropBehind })).meta;
    } catch (e) {
      if (e instanceof BargeError && e.code === 'E_PROTOCOL' && /unknown call 'hash'/.test(e.message)) {
        noHashCall.add(this.c);
        return undefined;
      }
      throw e;
    }
    while (m.digest === null) {
      checkpoint?.();
      m = (await this.c.call('hash', { handle: this.handle })).meta;
    }
    return f.str(m, 'digest');
  }

  async read(buf: Buffer, length: number, position: number): Promise<number> {
    const r = await this.c.call('read', { handle: this.handle, offset: position, length });
    const n = Math.min(r.data.length, length, buf.length);
    r.data.copy(buf, 0, 0, n);
    return n;
  }

  async identity(): Promise<{ size: number; mtimeNs: bigint }> {
    const m = (await this.c.call('identity', { handle: this.handle })).meta;
    if (typeof m.mtimeNs !== 'bigint') throw new BargeError('E_PROTOCOL', 'identity: mtimeNs must be a big integer');
    return { size: f.uint(m, 'size'), mtimeNs: m.mtimeNs };
  }

  async close(): Promise<void> {
    if (this.c.alive) await this.c.call('close', { handle: this.handle });
  }
}

/** a record-chunk call's meta */
function recordChunkMeta(path: string, index: number, hash: string, owner: string | undefined): Meta {
  return { path, index, hash, ...(owner === undefined ? {} : { owner }) };
}

/** writes of one handle */
class HandleWrites {
  constructor(protected readonly c: DataConnection, protected readonly handle: number) {}

  write(bytes: Buffer, position: number): Promise<void> {
    return this.c.write(this.handle, position, bytes);
  }
}

class RemoteFileWriter extends HandleWrites implements FileWriter {
  async readBack(): Promise<FileReader> {
    const m = (await this.c.call('readback', { handle: this.handle })).meta;
    return new RemoteReader(this.c, f.uint(m, 'handle'), f.uint(m, 'size'));
  }

  async commit(meta: EntryMeta, choice: MetaChoice, sentHash?: string): Promise<void> {
    try {
      await this.c.call('commit', sentHash === undefined ? { handle: this.handle, meta: f.wireMeta(meta), choice } : { handle: this.handle, meta: f.wireMeta(meta), choice, sentHash });
    } finally {
      this.c.forgetHandle(this.handle);
    }
  }

  async abort(): Promise<void> {
    this.c.forgetHandle(this.handle);
    // a lost connection took the receiver's temporary file with it
    if (!this.c.alive) return;
    try { await this.c.call('abort', { handle: this.handle }); } catch (e) {
      if (!(e instanceof BargeError && (e.code === 'E_NETWORK' || e.code === 'E_PROTOCOL'))) throw e;
    }
  }
}

/** `opened`: the open's reply, when the writer did not wait for it (its failure is the one to report) */
class RemoteChunkWriter extends HandleWrites implements ChunkWriter {
  constructor(c: DataConnection, handle: number, private readonly opened: Promise<void>) {
    super(c, handle);
  }

  async closeAndRecord(sentHash: string, chunk: { path: string; index: number; owner?: string }): Promise<void> {
    // both calls go out now, in order: the agent runs a connection's calls one after another
    const closing = this.c.call('close', { handle: this.handle, sentHash });
    const recording = this.c.call('record-chunk', recordChunkMeta(chunk.path, chunk.index, sentHash, chunk.owner));
    closing.catch(() => undefined);
    recording.catch(() => undefined); // awaited below; a failed close makes it fail too
    try {
      await this.opened;
      await closing;
    } finally {
      this.c.forgetHandle(this.handle);
    }
    await recording;
  }

  async close(sentHash?: string): Promise<void> {
    try {
      if (!this.c.alive && sentHash === undefined) return;
      const closing = this.c.call('close', sentHash === undefined ? { handle: this.handle } : { handle: this.handle, sentHash });
      closing.catch(() => undefined);
      await this.opened;
      await closing;
    } finally {
      this.c.forgetHandle(this.handle);
    }
  }
}
