// One authenticated data-plane session on the receiving side: the calls a peer may make
// on one endpoint subtree, the open write and read handles, and the hash of every byte
// that arrives, checked against the sender's hash before a file or chunk is accepted.
import type { Entry } from '../core/entry.js';
import { BargeError } from '../core/errors.js';
import { stringifyWithBigints } from '../core/json-bigint.js';
import type { ChunkWriter, FileReader, FileWriter, Storage } from '../storage/storage.js';
import type { Meta } from './frame-codec.js';
import * as f from './meta-fields.js';
import type { CheckedChunks } from './checked-chunks.js';
import { RangeHashes } from './served-hash.js';
import { SerialWrites } from './serial-writes.js';
import type { InlineWrites } from './inline-writes.js';
import { SessionHandles, type StreamHash, type WriteHandle } from './session-handles.js';
import { checkSentHash, writeManyServed } from './served-many.js';

export type { StreamHash } from './session-handles.js';
export type HashFactory = (name: string) => StreamHash | undefined;

export interface CallResult {
  meta: Meta;
  data?: Buffer;
  /** a reply in several frames (a long listing) */
  parts?: { meta: Meta; data: Buffer }[];
}

/** a WRITE frame being received: its handle and where its next byte lands */
export interface IncomingWrite {
  readonly handle: number;
  readonly h: WriteHandle;
  at: number;
}

/** listing replies are cut into frames of about this many bytes of JSON */
const LIST_PART_BYTES = 1024 * 1024;
/** reads are answered with at most this much data per call */
const MAX_READ = 4 * 1024 * 1024;
const WRITE_OPS = new Set(['mkbase', 'mkdir', 'symlink', 'link', 'remove', 'rmdir', 'setmeta', 'open-write', 'write-whole', 'write-many',
  'prepare-partial', 'open-partial-write', 'record-chunk', 'commit-partial', 'abort-partial']);

export class ServedSession {
  private readonly handles = new SessionHandles();

  /**
   * @param base the subtree the session was granted ('' = the endpoint root); every path a
   *   peer names is taken below it
   * @param checkedChunks the byte ranges of partial files this agent checked against the
   *   sender's hash, shared by the agent's sessions: a chunk is recorded (trusted on resume)
   *   only if its own range is there, whichever connection wrote it
   * @param inlineWrites where received bytes are written (the agent's, shared by its
   *   sessions); none: always on the thread pool, where the storage can
   */
  constructor(private readonly storage: Storage, private readonly base: string, private readonly writable: boolean,
    private readonly hashes: HashFactory, private readonly checkedChunks: CheckedChunks, hashStepBytes?: number,
    private readonly inlineWrites?: InlineWrites) {
    this.rangeHashes = new RangeHashes(hashStepBytes);
  }

  /** made at the first read: most sessions only write */
  private readBuffer: Buffer | undefined;
  private readonly rangeHashes: RangeHashes;

  private p(rel: string): string {
    if (rel !== '' && (rel.startsWith('/') || rel.split('/').some((x) => x === '' || x === '.' || x === '..') || rel.includes('\0'))) {
      throw new BargeError('E_PATH_ESCAPE', `path is not a plain relative path: ${JSON.stringify(rel)}`, { path: rel });
    }
    return this.base === '' ? rel : rel === '' ? this.base : `${this.base}/${rel}`;
  }

  /** an error as the peer should see it: paths relative to its session, not to the endpoint */
  forPeer(e: unknown): unknown {
    if (!(e instanceof BargeError) || e.path === undefined || this.base === '') return e;
    const p = e.path === this.base ? '' : e.path.startsWith(this.base + '/') ? e.path.slice(this.base.length + 1) : e.path;
    return p === e.path ? e : new BargeError(e.code, e.message, { path: p, retryable: e.retryable });
  }

  private path(m: Meta, field = 'path'): string {
    return this.p(f.str(m, field));
  }

  private newHash(m: Meta): StreamHash {
    const name = f.str(m, 'hash');
    const h = this.hashes(name);
    if (!h) throw new BargeError('E_PROTOCOL', `hash '${name}' is not known here`);
    return h;
  }

  private writeHandle(m: Meta): WriteHandle {
    return this.handles.writer(f.uint(m, 'handle'));
  }

  private readHandle(m: Meta): FileReader {
    return this.handles.reader(f.uint(m, 'handle'));
  }

  private addWriter(id: number, kind: WriteHandle['kind'], path: string, writer: FileWriter | ChunkWriter, hash: StreamHash, size?: number): CallResult {
    this.handles.writers.set(id, { kind, path, size, writer, hash, start: undefined, next: undefined, ordered: true, failed: undefined });
    return { meta: { handle: id } };
  }

  private addReader(r: FileReader): CallResult {
    const id = this.handles.fresh();
    this.handles.readers.set(id, r);
    return { meta: { handle: id, size: r.size } };
  }

  /**
   * A chunk write's open, under the number the client chose (SessionHandles) or a fresh
   * one. An open under a chosen number that fails is kept under it: the bytes the client
   * sent right behind it are dropped, and its close answers this failure.
   */
  private async openChunk(m: Meta, open: (id: number) => Promise<CallResult>): Promise<CallResult> {
    if (m.handle === undefined) return open(this.handles.fresh());
    const id = this.handles.chosen(m.handle);
    try {
      return await open(id);
    } catch (e) {
      this.handles.openFailed(id, e);
      throw e;
    }
  }

  /** the sender's hash must match what arrived, in order, through this handle */
  private checkArrived(h: WriteHandle, sentHash: string): void {
    if (h.failed) throw h.failed;
    if (!h.ordered) throw new BargeError('E_PROTOCOL', 'writes arrived out of order and cannot be checked against the sent hash', { path: h.path });
    if (h.size !== undefined && (h.next ?? 0) !== h.size) {
      throw new BargeError('E_PROTOCOL', `${h.next ?? 0} of ${h.size} bytes arrived before commit`, { path: h.path });
    }
    checkSentHash(h.hash.digest(), sentHash, h.path);
  }

  /**
   * A WRITE frame's head, before its bytes: the handle and offset are checked and the
   * order noted. Undefined: the handle failed before, and the frame's bytes are dropped,
   * unhashed. The bytes follow through writeSlice, in order, as they arrive.
   */
  beginWrite(m: Meta, length: number): IncomingWrite | undefined {
    const id = f.uint(m, 'handle');
    const offset = f.uint(m, 'offset');
    const h = this.handles.writers.get(id);
    if (!h && this.handles.hasFailedOpen(id)) return undefined;
    if (!h) throw new BargeError('E_PROTOCOL', `no open write handle ${id}`);
    if (h.failed) return undefined;
    if (offset !== (h.next ?? (h.kind === 'file' ? 0 : offset))) h.ordered = false;
    h.start ??= offset;
    h.next = offset + length;
    return { handle: id, h, at: offset };
  }

  /**
   * The next bytes of a WRITE: hashed, then written where they belong, detached where the
   * storage can (`bytes` must then stay as they are until the promise settles). Returns the
   * storage's promise, or
   * undefined when the handle has failed meanwhile (the bytes are dropped). A rejection
   * goes to writeFailed.
   */
  writeSlice(w: IncomingWrite, bytes: Buffer): Promise<void> | undefined {
    const h = w.h;
    const at = w.at;
    w.at += bytes.length;
    if (h.failed) return undefined;
    h.hash.update(bytes);
    try {
      const w = h.writer;
      if (!w.writeDetached) return w.write(bytes, at);
      // here while writes are quick (InlineWrites), behind this handle's own pool writes if
      // any are still waiting; else on the pool, and the event loop goes on to the next read
      if (this.inlineWrites?.inline === true && h.serial?.idle !== false) return this.inlineWrites.run(() => w.write(bytes, at));
      return (h.serial ??= new SerialWrites(w.writeDetached.bind(w))).add(bytes, at);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** a write of this handle failed in storage: the handle is failed; the error, the first time, to report once */
  writeFailed(w: IncomingWrite, e: unknown): BargeError | undefined {
    const h = w.h;
    if (h.failed) return undefined;
    h.failed = e instanceof BargeError ? e : new BargeError('E_IO', e instanceof Error ? e.message : String(e), { path: h.path });
    return h.failed;
  }

  async call(op: string, m: Meta, data: Buffer): Promise<CallResult> {
    if (WRITE_OPS.has(op) && !this.writable) throw new BargeError('E_READ_ONLY', `this session may not write (op '${op}')`);
    const s = this.storage;
    switch (op) {
      case 'stat': { const e = await s.stat(this.path(m), f.listOptions(m)); return { meta: { entry: e === undefined ? null : f.wireEntry(e) } }; }
      case 'list': return listParts(await s.list(this.path(m), f.listOptions(m)));
      case 'mkdir': await s.mkdir(this.path(m)); return { meta: {} };
      case 'mkbase': {
        // the base as a stat would give it: a client that made it need not ask again (a round trip)
        await this.makeBase();
        const e = await s.stat(this.path({ path: '' }));
        return { meta: { entry: e === undefined ? null : f.wireEntry(e) } };
      }
      case 'symlink': await s.symlink(this.path(m), f.str(m, 'target'), f.entryMeta(m, 'meta'), f.metaChoice(m, 'choice')); return { meta: {} };
      case 'link': await s.link(this.path(m, 'existing'), this.path(m)); return { meta: {} };
      case 'remove': {
        if (f.str(m, 'path') === '') throw new BargeError('E_PATH_ESCAPE', "refusing to remove the session's own directory");
        return { meta: { count: await s.remove(this.path(m)) } };
      }
      case 'rmdir': await s.removeEmptyDir(this.path(m)); return { meta: {} };
      case 'setmeta': await s.setMeta(this.path(m), f.entryType(m, 'type'), f.entryMeta(m, 'meta'), f.metaChoice(m, 'choice')); return { meta: {} };
      case 'open-write': {
        const path = this.path(m);
        const hash = this.newHash(m);
        const w = await s.openWrite(path, { size: f.uint(m, 'size'), sparse: f.bool(m, 'sparse'), replaces: f.bool(m, 'replaces') });
        return this.addWriter(this.handles.fresh(), 'file', path, w, hash, f.uint(m, 'size'));
      }
      case 'commit': {
        const h = this.writeHandle(m);
        // a chunk handle has no commit: it stays open, to be closed
        if (h.kind !== 'file') throw new BargeError('E_PROTOCOL', 'commit is for whole-file writes; a chunk write ends with close');
        this.handles.writers.delete(f.uint(m, 'handle'));
        const w = h.writer as FileWriter;
        try {
          this.checkArrived(h, f.str(m, 'sentHash'));
          await w.commit(f.entryMeta(m, 'meta'), f.metaChoice(m, 'choice'));
        } catch (e) {
          await w.abort();
          throw e;
        }
        return { meta: {} };
      }
      case 'abort': {
        // an open that failed has nothing to abort
        if (this.handles.takeFailedOpen(f.uint(m, 'handle'))) return { meta: {} };
        const h = this.writeHandle(m);
        this.handles.writers.delete(f.uint(m, 'handle'));
        if (h.kind === 'file') await (h.writer as FileWriter).abort(); else await (h.writer as ChunkWriter).close();
        return { meta: {} };
      }
      case 'readback': {
        const h = this.writeHandle(m);
        if (h.kind !== 'file') throw new BargeError('E_PROTOCOL', 'readback is for whole-file writes');
        return this.addReader(await (h.writer as FileWriter).readBack());
      }
      case 'write-whole': {
        const path = this.path(m);
        const hash = this.newHash(m);
        hash.update(data);
        checkSentHash(hash.digest(), f.str(m, 'sentHash'), path);
        if (!s.writeWhole) return { meta: { done: false } };
        return { meta: { done: await s.writeWhole(path, data, f.entryMeta(m, 'meta'), f.metaChoice(m, 'choice')) } };
      }
      case 'write-many': {
        const done = await writeManyServed(s, this.path(m), f.manyWrites(m, 'files', data.length), data, f.metaChoice(m, 'choice'), () => this.newHash(m), (name) => this.p(name));
        return { meta: { done } };
      }
      case 'open-read': return this.addReader(await s.openRead(this.path(m)));
      case 'open-partial-read': return this.addReader(await s.openPartialRead(this.path(m)));
      case 'read': {
        const r = this.readHandle(m);
        const buf = (this.readBuffer ??= Buffer.allocUnsafe(MAX_READ));
        const length = Math.min(f.uint(m, 'length'), MAX_READ);
        const n = await r.read(buf, length, f.uint(m, 'offset'));
        return { meta: { length: n }, data: Buffer.from(buf.subarray(0, n)) };
      }
      case 'hash': {
        const r = this.readHandle(m);
        return { meta: await this.rangeHashes.step(f.uint(m, 'handle'), r, m, () => this.newHash(m), this.readBuffer ??= Buffer.allocUnsafe(MAX_READ)) };
      }
      case 'identity': {
        const id = await this.readHandle(m).identity();
        return { meta: { size: id.size, mtimeNs: id.mtimeNs } };
      }
      case 'close': {
        const handle = f.uint(m, 'handle');
        const r = this.handles.readers.get(handle);
        if (r) { this.handles.readers.delete(handle); this.rangeHashes.forget(handle); await r.close(); return { meta: {} }; }
        const h = this.writeHandle(m);
        if (h.kind !== 'chunk') throw new BargeError('E_PROTOCOL', 'a whole-file write ends with commit or abort, not close');
        this.handles.writers.delete(handle);
        // without the sender's hash the chunk is abandoned: closed, never recorded
        const sent = f.optStr(m, 'sentHash');
        try {
          if (sent !== undefined) {
            this.checkArrived(h, sent);
            // the check vouches for these bytes at this place only: equal chunks elsewhere are checked on their own
            if (h.start !== undefined && h.next !== undefined) this.checkedChunks.add(this.storage.root, h.path, h.start, h.next, sent);
          }
        } finally { await (h.writer as ChunkWriter).close(); }
        return { meta: {} };
      }
      case 'prepare-partial': {
        const path = this.path(m);
        const size = f.uint(m, 'size');
        const chunkSize = f.uint(m, 'chunkSize');
        const p = await s.preparePartial(path, { size, sparse: f.bool(m, 'sparse'), identity: f.str(m, 'identity'), chunkSize });
        // where each chunk is, for record-chunk; checks made before no longer count
        this.checkedChunks.prepared(this.storage.root, path, size, chunkSize);
        // in the data part: a large file's chunk hashes outgrow a frame's meta (64 KiB is ~900 sha256 chunks)
        return { meta: p.owner === undefined ? {} : { owner: p.owner }, data: Buffer.from(JSON.stringify([...p.recorded.entries()])) };
      }
      case 'open-partial-write': return this.openChunk(m, async (id) => {
        const path = this.path(m);
        const hash = this.newHash(m);
        this.checkedChunks.opened(this.storage.root, path, f.uint(m, 'size'));
        return this.addWriter(id, 'chunk', path, await s.openPartialWrite(path, { size: f.uint(m, 'size'), sparse: f.bool(m, 'sparse'), ...ownerOf(m) }), hash);
      });
      case 'record-chunk': {
        const path = this.path(m);
        const hash = f.str(m, 'hash');
        if (!this.checkedChunks.take(this.storage.root, path, f.uint(m, 'index'), hash)) {
          if (this.checkedChunks.superseded(this.storage.root, path, hash)) {
            throw new BargeError('E_CHANGED', 'another run took over this partial file (it was prepared again after this chunk was checked); the destination is left to it', { path });
          }
          throw new BargeError('E_PROTOCOL', 'record-chunk names a chunk whose bytes this agent did not check', { path });
        }
        await s.recordChunk(path, f.uint(m, 'index'), hash, f.optStr(m, 'owner'));
        return { meta: {} };
      }
      case 'commit-partial': {
        const path = this.path(m);
        const owner = f.optStr(m, 'owner');
        await s.commitPartial(path, f.entryMeta(m, 'meta'), f.metaChoice(m, 'choice'), owner === undefined ? undefined : { owner, chunkHashes: chunkHashList(data) });
        this.checkedChunks.forget(this.storage.root, path);
        return { meta: {} };
      }
      case 'abort-partial': {
        const path = this.path(m);
        const owner = f.optStr(m, 'owner');
        // with an owner the abort may be a writer's that was taken over, which removes nothing:
        // the checks then belong to the new owner's partial and stay (its commit drops them)
        try { await s.abortPartial(path, owner); } finally { if (owner === undefined) this.checkedChunks.forget(this.storage.root, path); }
        return { meta: {} };
      }
      case 'ping': return { meta: {} };
      default: throw new BargeError('E_PROTOCOL', `unknown call '${op}'`);
    }
  }

  /** mkdir -p of the session's subtree (a push to a directory that does not exist yet) */
  private async makeBase(): Promise<void> {
    let cur = '';
    for (const part of this.base.split('/').filter((x) => x !== '')) {
      cur = cur === '' ? part : `${cur}/${part}`;
      const st = await this.storage.stat(cur);
      if (!st) await this.storage.mkdir(cur);
      else if (st.type !== 'dir') throw new BargeError('E_EXISTS', `'${cur}' is in the way: it is a ${st.type}, not a directory`, { path: cur });
    }
  }

  /** the connection is gone: whole files in flight are removed, partial large files stay for a resume */
  async close(): Promise<void> {
    for (const h of this.handles.writers.values()) {
      try {
        if (h.kind === 'file') await (h.writer as FileWriter).abort(); else await (h.writer as ChunkWriter).close();
      } catch { /* best effort: the next run removes stale temporary names */ }
    }
    for (const r of this.handles.readers.values()) { try { await r.close(); } catch { /* nothing to keep */ } }
    this.handles.clear();
    this.rangeHashes.clear();
  }
}

function listParts(entries: Entry[]): CallResult {
  const parts: { meta: Meta; data: Buffer }[] = [];
  let batch: Entry[] = [];
  let bytes = 0;
  const flush = (): void => {
    parts.push({ meta: {}, data: Buffer.from(stringifyWithBigints(batch.map(f.wireEntry))) });
    batch = [];
    bytes = 0;
  };
  for (const e of entries) {
    batch.push(e);
    bytes += 160 + e.name.length + (e.linkTarget?.length ?? 0) + f.xattrBytes(e);
    if (bytes >= LIST_PART_BYTES) flush();
  }
  if (batch.length > 0 || parts.length === 0) flush();
  return { meta: {}, parts };
}

/** an optional `owner` field, as openPartialWrite takes it */
function ownerOf(m: Record<string, unknown>): { owner?: string } {
  const owner = f.optStr(m, 'owner');
  return owner === undefined ? {} : { owner };
}

/** commit-partial's data: the committer's chunk hashes in order, as a JSON list of strings */
function chunkHashList(data: Buffer): string[] {
  let list: unknown;
  try { list = JSON.parse(data.toString('utf8')); } catch { list = undefined; }
  if (!Array.isArray(list) || !list.every((h) => typeof h === 'string')) throw new BargeError('E_PROTOCOL', 'commit-partial with an owner needs its chunk hashes, a JSON list of strings, as data');
  return list;
}
