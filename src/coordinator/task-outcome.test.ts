import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from '../core/entry.js';
import { parseWithBigints } from '../core/json-bigint.js';
import { defaultSyncOptions } from '../core/sync-options.js';
import type { ChunkTask, CopyBatchTask, FileItem, FinalizeChunkedTask, ScanGroupTask, ScanTask } from '../core/task-types.js';
import { HELD_UNTIL_STAGED } from '../core/request-states.js';
import { asLeased, decodeTask } from './service-task.js';
import { backoffMs, taskOutcome } from './task-outcome.js';

const retry = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000 };
const entry = (name: string, size: number): Entry => ({ name, type: 'file', size, mtimeNs: 1n, mode: 0o644, uid: 0, gid: 0, dev: 1, ino: 1, nlink: 1, allocated: size });
const item = (rel: string): FileItem => ({ rel, src: entry(rel, 10), dstExists: false, compareFirst: false });

test('back-off doubles per attempt, stays within [half, full] of its ceiling, and is capped', () => {
  assert.equal(backoffMs(1, retry, () => 0), 500);
  assert.equal(backoffMs(1, retry, () => 1), 1000);
  assert.equal(backoffMs(3, retry, () => 1), 4000);
  assert.equal(backoffMs(30, retry, () => 1), 10_000);
});

test('a copy batch retries only its files that failed for a retryable reason; the others are kept as errors', () => {
  const task: CopyBatchTask = { kind: 'copy', files: [item('a'), item('b'), item('c')] };
  const c = taskOutcome({
    task, phase: 0, attempts: 1, opts: defaultSyncOptions(), retry, now: 5000, random: () => 0,
    result: {
      counters: { filesCopied: 1, failed: 2 }, events: [], hashes: [['c', 'ff']],
      errors: [{ code: 'E_IO', message: 'io', path: 'a', retryable: true }, { code: 'E_PERMISSION', message: 'no', path: 'b', retryable: false }],
    },
  });
  assert.deepEqual(c.errors, [{ path: 'b', code: 'E_PERMISSION', message: 'no' }]);
  assert.equal(c.counters?.failed, 1, 'a retried file is not counted failed');
  assert.equal(c.retry?.notBefore, 5500);
  assert.deepEqual(parseWithBigints<CopyBatchTask>(c.retry?.payload ?? '{}').files.map((f) => f.rel), ['a']);
  assert.deepEqual(c.manifest, [{ path: 'c', size: 10, mtimeNs: '1', hash: 'xxh3:ff' }]);
});

test('after the last attempt a retryable error is permanent', () => {
  const task: CopyBatchTask = { kind: 'copy', files: [item('a')] };
  const c = taskOutcome({
    task, phase: 0, attempts: 3, opts: defaultSyncOptions(), retry, now: 0,
    result: { counters: { failed: 1 }, events: [], errors: [{ code: 'E_CHECKSUM', message: 'bad', path: 'a', retryable: true }] },
  });
  assert.equal(c.retry, undefined);
  assert.deepEqual(c.errors?.map((e) => e.code), ['E_CHECKSUM']);
  assert.equal(c.counters?.failed, 1);
});

test('a scan becomes copy batches, a prepare per large file, delete batches in the delete phase, and its directory metadata', () => {
  const opts = defaultSyncOptions({ chunkCutoff: 100, delete: true });
  const big = { ...item('big'), src: entry('big', 500) };
  const c = taskOutcome({
    task: { kind: 'scan', rel: 'd', src: entry('d', 0), dst: undefined, dstExists: false, insideListedDir: false },
    phase: 0, attempts: 1, opts, retry, now: 0,
    result: {
      counters: {}, errors: [], events: [], copies: [item('d/x'), item('d/y'), big],
      deletes: [{ rel: 'd/old', type: 'file', insideListedDir: false }], dirMeta: { rel: 'd', src: entry('d', 0) },
    },
  });
  assert.deepEqual(c.tasks?.map((t) => [t.kind, t.phase, t.items]), [['prepare', 0, 1], ['copy', 0, 2], ['delete', 2, 1]]);
  assert.equal(c.counters?.filesToCopy, 3);
  assert.equal(c.counters?.bytesToCopy, 520);
  assert.deepEqual(c.dirMeta?.map((d) => [d.path, d.depth]), [['d', 1]]);
});

test('a scan that copied small files itself puts them in the manifest and counts the rest it hands on', () => {
  const c = taskOutcome({
    task: { kind: 'scan', rel: 'd', src: entry('d', 0), dst: undefined, dstExists: false, insideListedDir: false },
    phase: 0, attempts: 1, opts: defaultSyncOptions(), retry, now: 0,
    result: {
      counters: { filesToCopy: 2, bytesToCopy: 20, filesCopied: 2, bytesCopied: 20 }, errors: [], events: [], copies: [item('d/z')],
      hashes: [['d/x', 'aa'], ['d/y', 'bb']], copiedHere: [['d/x', 10, '1'], ['d/y', 10, '1']],
    },
  });
  assert.deepEqual(c.manifest, [{ path: 'd/x', size: 10, mtimeNs: '1', hash: 'xxh3:aa' }, { path: 'd/y', size: 10, mtimeNs: '1', hash: 'xxh3:bb' }]);
  assert.equal(c.counters?.filesToCopy, 3);
  assert.equal(c.counters?.filesCopied, 2);
  assert.deepEqual(c.tasks?.map((t) => [t.kind, t.items]), [['copy', 1]]);
});

test('a scan run again for an error carries the attempt that reported; only a lease past the next one copies again', () => {
  const scan: ScanTask = { kind: 'scan', rel: 'd', src: entry('d', 0), dst: undefined, dstExists: false, insideListedDir: false };
  assert.equal(asLeased(scan, 1).copyAgain, undefined, 'a first attempt trusts the quick check');
  assert.equal(asLeased(scan, 2).copyAgain, true, 'the first attempt never reported: what it may have copied is copied again');
  const c = taskOutcome({
    task: { ...scan, copyAgain: true }, phase: 0, attempts: 2, opts: defaultSyncOptions(), retry, now: 0,
    result: { counters: { failed: 1 }, events: [], errors: [{ code: 'E_IO', message: 'io', path: 'd', retryable: true }] },
  });
  const again = decodeTask(c.retry?.payload ?? '{}');
  assert.equal(again.kind, 'scan');
  assert.equal(again.reportedAttempt, 2);
  assert.equal(asLeased(again, 3).copyAgain, undefined, 'attempt 2 reported: attempt 3 trusts the quick check');
  assert.equal(asLeased(again, 4).copyAgain, true, 'attempt 3 never reported');
});

test("a prepare's partial owner goes into each of its chunk tasks, and from a chunk into the finalize", () => {
  const opts = defaultSyncOptions({ chunkCutoff: 100, chunkSize: 200 });
  const big = { ...item('big'), src: entry('big', 500) };
  const c = taskOutcome({
    task: { kind: 'prepare', file: big }, phase: 0, attempts: 1, opts, retry, now: 0,
    result: { counters: {}, errors: [], events: [], recorded: [[1, 'aa']], partialOwner: 'tok1' },
  });
  const chunks = (c.tasks ?? []).map((t) => parseWithBigints<ChunkTask>(t.payload));
  assert.deepEqual(chunks.map((t) => [t.index, t.recorded, t.owner]), [[0, undefined, 'tok1'], [1, 'aa', 'tok1'], [2, undefined, 'tok1']]);
  const done = taskOutcome({
    task: chunks[0] as ChunkTask, phase: 0, attempts: 1, opts, retry, now: 0,
    result: { counters: {}, errors: [], events: [], chunkHash: 'bb' },
  });
  assert.ok(done.closeGroup, 'a chunk with its hash closes its group');
  const fin = parseWithBigints<FinalizeChunkedTask>(done.closeGroup(['bb', 'aa', 'cc'])?.payload ?? '{}');
  assert.deepEqual([fin.kind, fin.chunkHashes, fin.owner], ['finalize', ['bb', 'aa', 'cc'], 'tok1']);
});

test('a scan of an archive source holds each copy, a large file\'s prepare too, as a task of one file that is never leased until staged', () => {
  const big: FileItem = { rel: 'big', src: entry('big', 1 << 30), dstExists: false, compareFirst: false };
  const task: ScanTask = { kind: 'scan', rel: '', src: entry('', 0), dst: undefined, dstExists: true, insideListedDir: false };
  const input = {
    task, phase: 0, attempts: 1, opts: defaultSyncOptions({ chunkCutoff: 1 << 20 }), retry, now: 0,
    result: { counters: {}, events: [], errors: [], copies: [item('a'), item('b'), big], descend: [{ kind: 'scan' as const, rel: 'd', src: entry('d', 0), dst: undefined, dstExists: false, insideListedDir: false }] },
  };
  const held = taskOutcome({ ...input, holdForStaging: true });
  const kinds = (held.tasks ?? []).map((t) => [t.kind, t.notBefore === HELD_UNTIL_STAGED, t.items]);
  assert.deepEqual(kinds, [['scan', false, 1], ['prepare', true, 1], ['copy', true, 1], ['copy', true, 1]]);
  assert.deepEqual(held.counters?.filesToCopy, 3);
  const plain = taskOutcome(input);
  assert.deepEqual((plain.tasks ?? []).map((t) => [t.kind, t.notBefore ?? 0]), [['scan', 0], ['prepare', 0], ['copy', 0]]);
});

const scanOf = (rel: string): ScanTask => ({ kind: 'scan', rel, src: { ...entry(rel, 0), type: 'dir' }, dst: undefined, dstExists: false, insideListedDir: false });

test('a group of scans: each directory as its own scan; only the one that failed runs again; what they found is grouped afresh', () => {
  const task: ScanGroupTask = { kind: 'scans', dirs: [scanOf('a'), scanOf('b'), scanOf('c')] };
  const found = ['a/1', 'a/2', 'a/3', 'c/1', 'c/2'].map(scanOf);
  const c = taskOutcome({
    task, phase: 0, attempts: 2, opts: defaultSyncOptions(), retry, now: 0, random: () => 0,
    result: {
      counters: {}, errors: [], events: [],
      scans: [
        { counters: { dirsFound: 1, filesCopied: 1 }, errors: [], events: [], descend: found.slice(0, 3), copies: [item('a/x')], hashes: [['a/h', 'ff']], copiedHere: [['a/h', 10, '1']], dirMeta: { rel: 'a', src: entry('a', 0) } },
        { counters: { dirsFound: 1, failed: 1 }, errors: [{ code: 'E_IO', message: 'cannot list', path: 'b', retryable: true }], events: [] },
        { counters: { dirsFound: 1 }, errors: [{ code: 'E_PERMISSION', message: 'no', path: 'c/f', retryable: false }], events: [], descend: found.slice(3) },
      ],
    },
  });
  assert.equal(c.counters?.dirsFound, 2, 'b runs again whole: counted by the attempt that lists it');
  assert.equal(c.counters?.filesCopied, 1);
  assert.equal(c.counters?.filesToCopy, 1);
  assert.equal(c.counters?.failed, 1, 'the retried directory is not counted failed');
  assert.deepEqual(c.errors, [{ path: 'c/f', code: 'E_PERMISSION', message: 'no' }]);
  const again = decodeTask(c.retry?.payload ?? '{}');
  assert.equal(again.kind, 'scan');
  assert.equal(again.kind === 'scan' && again.rel, 'b');
  assert.equal(again.reportedAttempt, 2);
  // five directories found: spread over four tasks, scans first, then the copy batch
  const kinds = c.tasks?.map((t) => t.kind);
  assert.deepEqual(kinds, ['scans', 'scan', 'scan', 'scan', 'copy']);
  const rels = (c.tasks ?? []).slice(0, 4).flatMap((t) => { const d = decodeTask(t.payload); return d.kind === 'scans' ? d.dirs.map((x) => x.rel) : d.kind === 'scan' ? [d.rel] : []; });
  assert.deepEqual(rels, found.map((f) => f.rel));
  assert.deepEqual(c.manifest, [{ path: 'a/h', size: 10, mtimeNs: '1', hash: 'xxh3:ff' }]);
  assert.deepEqual(c.dirMeta?.map((d) => d.path), ['a']);
});

test('a group whose runner failed as a whole runs again whole; leased again after a lost report, each directory copies again', () => {
  const task: ScanGroupTask = { kind: 'scans', dirs: [scanOf('a'), scanOf('b')] };
  const c = taskOutcome({
    task, phase: 0, attempts: 1, opts: defaultSyncOptions(), retry, now: 0, random: () => 0,
    result: { counters: { failed: 1 }, events: [], errors: [{ code: 'E_IO', message: 'worker gone', retryable: true }] },
  });
  const again = decodeTask(c.retry?.payload ?? '{}');
  assert.equal(again.kind, 'scans');
  if (again.kind !== 'scans') return;
  assert.deepEqual(again.dirs.map((d) => [d.rel, (d as { reportedAttempt?: number }).reportedAttempt]), [['a', 1], ['b', 1]]);
  assert.equal(c.errors?.length, 0);
  const leased = asLeased(again, 3);
  assert.equal(leased.kind === 'scans' && leased.dirs.every((d) => d.copyAgain === true), true);
  assert.equal(asLeased(again, 2).kind === 'scans' && asLeased(again, 2).dirs.some((d) => d.copyAgain === true), false);
});
