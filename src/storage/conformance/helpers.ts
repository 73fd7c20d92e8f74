// Fixtures and checks shared by the Storage conformance suite.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { isBargeError, type ErrorCode } from '../../core/errors.js';
import type { Entry } from '../../core/entry.js';
import { isTempName } from '../../core/temp-names.js';
import type { EntryMeta, FileReader, Storage, StorageFeatures } from '../storage.js';
import type { FixtureInfo, StorageFixture } from './fixture.js';

export interface StorageUnderTest {
  storage: Storage;
  /** prepares and inspects what is stored, beside the storage under test */
  fixture: StorageFixture;
  /**
   * the hash of bytes as a sender reads them, for commit and chunk close: required where
   * `features.checksSentHash` (the storage takes nothing without it), left out elsewhere
   */
  sentHash?: (bytes: Buffer) => string;
  cleanup(): Promise<void>;
}

export type Body = (h: StorageUnderTest, t: TestContext) => Promise<void>;

// Times with every nanosecond digit set, so a backend that rounds through a double shows.
export const T1 = 1_700_000_000_123_456_789n;
export const T2 = 1_234_567_890_987_654_321n;
export const PRE_EPOCH = -86_400_000_000_001n;
export const OTHER_UID = 1234;
export const OTHER_GID = 5678;
export const MIB = 1024 * 1024;
export const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

export function meta(mode: number, mtimeNs: bigint): EntryMeta {
  return { mode, mtimeNs, uid: OTHER_UID, gid: OTHER_GID };
}
export const KEEP_OWNER = { owner: false };

type Feature = { [K in keyof StorageFeatures]-?: StorageFeatures[K] extends boolean ? K : never }[keyof StorageFeatures];
const FEATURE_WORDS: Record<Feature, string> = {
  symlinks: 'symlinks', posixMeta: 'posix modes and owners', hardlinks: 'hard links and inode numbers',
  sparse: 'holes in sparse files', owner: 'setting owners', staging: 'staging',
  checksSentHash: "takes bytes only as checked against the sender's hash",
};

/** false, with the test skipped naming what is missing, when the storage lacks any of these features */
export function has(h: StorageUnderTest, t: TestContext, ...features: Feature[]): boolean {
  const missing = features.filter((f) => !h.storage.features[f]);
  if (missing.length === 0) return true;
  t.skip(`storage lacks ${missing.map((f) => `features.${f} (${FEATURE_WORDS[f]})`).join(' and ')}`);
  return false;
}

/** false, with the test skipped naming the feature and why it rules the test out, when the storage has it */
export function lacks(h: StorageUnderTest, t: TestContext, feature: Feature, why: string): boolean {
  if (!h.storage.features[feature]) return true;
  t.skip(`storage has features.${feature} (${FEATURE_WORDS[feature]}): ${why}`);
  return false;
}

/** what a sender passes as `sentHash` for these bytes: the harness's hash where the storage checks it, else nothing */
export function sent(h: StorageUnderTest, bytes: string | Buffer): string | undefined {
  if (!h.storage.features.checksSentHash) return undefined;
  assert.ok(h.sentHash, 'a storage with features.checksSentHash needs a harness that gives sentHash');
  return h.sentHash(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
}

/** a ManyWrite's sentHash field, where the storage wants one */
export function sentField(h: StorageUnderTest, bytes: string | Buffer): { sentHash?: string } {
  const hash = sent(h, bytes);
  return hash === undefined ? {} : { sentHash: hash };
}

export function put(h: StorageUnderTest, rel: string, data: string | Buffer): Promise<void> {
  return h.fixture.put(rel, data);
}
/** what is at `rel`, which must exist */
export async function lst(h: StorageUnderTest, rel: string): Promise<FixtureInfo> {
  const info = await h.fixture.info(rel);
  assert.ok(info, `${JSON.stringify(rel)} exists`);
  return info;
}
export async function exists(h: StorageUnderTest, rel: string): Promise<boolean> {
  return (await h.fixture.info(rel)) !== undefined;
}
export async function text(h: StorageUnderTest, rel: string): Promise<string> {
  return (await h.fixture.read(rel)).toString('utf8');
}
export function names(h: StorageUnderTest, dir: string): Promise<string[]> {
  return h.fixture.list(dir);
}
export async function tempNames(h: StorageUnderTest, dir: string): Promise<string[]> {
  return (await h.fixture.list(dir)).filter(isTempName);
}
export function pattern(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = ((i * 31 + seed) % 251) + 1; // never 0: no accidental holes
  return b;
}

export function nonZero(b: Buffer): number {
  let n = 0;
  for (const x of b) if (x !== 0) n++;
  return n;
}

/** mtimes compare at the storage's resolution; exact for ns-resolution storages */
export function assertMtime(s: Storage, got: bigint, want: bigint, what: string): void {
  const res = s.features.mtimeResolutionNs;
  if (res <= 1n) assert.equal(got, want, `${what}: mtime`);
  else assert.ok(got - want < res && want - got < res, `${what}: mtime ${got} not within ${res} ns of ${want}`);
}

export async function readRange(r: FileReader, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const part = Buffer.alloc(length - done);
    const n = await r.read(part, length - done, position + done);
    if (n === 0) break;
    part.copy(buf, done, 0, n);
    done += n;
  }
  return buf.subarray(0, done);
}

export async function readAll(r: FileReader): Promise<Buffer> {
  try { return await readRange(r, 0, r.size); } finally { await r.close(); }
}

export async function rejectsWith(fn: () => Promise<unknown>, code: ErrorCode, what: string): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(isBargeError(e), `${what}: expected a BargeError, got ${String(e)}`);
    assert.equal(e.code, code, `${what}: ${e.message}`);
    return true;
  });
}

export function byName(entries: Entry[]): Map<string, Entry> {
  return new Map(entries.map((e) => [e.name, e]));
}

/** every path below the root with what a write would change, to show that nothing was written */
export async function snapshot(h: StorageUnderTest): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    const st = await lst(h, rel);
    out.set(rel, `${st.mode}:${st.size}:${st.mtimeNs}:${st.ino}`);
    if (st.type === 'dir') for (const n of await h.fixture.list(rel)) await walk(rel === '' ? n : `${rel}/${n}`);
  };
  await walk('');
  return out;
}

export function codeOf(e: unknown): string {
  return isBargeError(e) ? e.code : String(e);
}

/** an absolute path for storages with no host outside their root: it must be refused all the same */
const NOWHERE = '/barge-conformance-outside';

/**
 * Calls every method with each bad path and expects E_PATH_ESCAPE from all of them, with the
 * tree under the root unchanged and nothing beside it. All wrong answers are reported at once.
 */
export async function expectRefused(h: StorageUnderTest, badPaths: (probe: string, outside: string) => string[]): Promise<void> {
  const s = h.storage;
  await h.fixture.mkdir('d');
  await put(h, 'f', 'x');
  if (s.features.symlinks) await h.fixture.symlink('f', 'l');
  const outside = h.fixture.outside;
  const probe = `barge-conformance-probe-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const before = await snapshot(h);
  const m = meta(0o644, T1);
  const sizes = { size: 4, sparse: false };
  const calls: Array<[string, (p: string) => Promise<unknown>]> = [
    ['stat', (p) => s.stat(p)], ['list', (p) => s.list(p)], ['openRead', (p) => s.openRead(p)],
    ['openWrite', (p) => s.openWrite(p, sizes)], ['mkdir', (p) => s.mkdir(p)],
    ['symlink', (p) => s.symlink(p, 'f', m, KEEP_OWNER)], ['link from', (p) => s.link(p, 'new')],
    ['link to', (p) => s.link('f', p)], ['remove', (p) => s.remove(p)], ['removeEmptyDir', (p) => s.removeEmptyDir(p)],
    ['setMeta', (p) => s.setMeta(p, 'file', m, KEEP_OWNER)], ['setMeta symlink', (p) => s.setMeta(p, 'symlink', m, KEEP_OWNER)],
    ['preparePartial', (p) => s.preparePartial(p, { ...sizes, identity: 'id', chunkSize: 4 })],
    // a writer may report its open's failure at its close (Storage.openPartialWrite)
    ['openPartialWrite', (p) => s.openPartialWrite(p, sizes).then((w) => w.close())], ['openPartialRead', (p) => s.openPartialRead(p)],
    ['recordChunk', (p) => s.recordChunk(p, 0, 'aa')], ['commitPartial', (p) => s.commitPartial(p, m, KEEP_OWNER)],
    ['abortPartial', (p) => s.abortPartial(p)],
  ];
  try {
    const wrong: string[] = [];
    for (const p of badPaths(probe, outside?.path ?? NOWHERE)) {
      for (const [what, call] of calls) {
        let got: string;
        try {
          got = await call(p).then(() => 'success', codeOf);
        } catch (e) {
          got = `${codeOf(e)}, thrown instead of a rejected promise`;
        }
        if (got !== 'E_PATH_ESCAPE') wrong.push(`${what}(${JSON.stringify(p)}) -> ${got}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.deepEqual(await snapshot(h), before, 'nothing under the root changed');
  } finally {
    if (outside) {
      const leaked = (await outside.list(outside.path)).filter((n) => n.startsWith(probe));
      for (const n of leaked) await outside.remove(`${outside.path}/${n}`);
      assert.deepEqual(leaked, [], 'nothing written outside the root');
    }
  }
}


/** registers one test on a fresh storage */
export type It = (title: string, body: Body, opts?: { skip?: string | false; todo?: string }) => void;
