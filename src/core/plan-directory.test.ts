import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from './entry.js';
import { PathFilter } from './filter.js';
import { planDirectory, type PlanContext } from './plan-directory.js';
import { defaultSyncOptions, type SyncOptions } from './sync-options.js';
import { journalNameFor, partialNameFor, tempNameFor } from './temp-names.js';

function file(name: string, size: number, mtimeNs = 1000n, extra: Partial<Entry> = {}): Entry {
  return { name, type: 'file', size, mtimeNs, mode: 0o644, uid: 0, gid: 0, dev: 1, ino: 1, nlink: 1, allocated: size, ...extra };
}
function dir(name: string, extra: Partial<Entry> = {}): Entry {
  return { ...file(name, 4096), type: 'dir', mode: 0o755, ...extra };
}
function ctx(over: Partial<SyncOptions> = {}): PlanContext {
  const opts = defaultSyncOptions(over);
  return { opts, filter: new PathFilter(opts.filter, 10n ** 18n), resolutionNs: 1n };
}

test('new, changed, same and metadata-only files', () => {
  const src = [file('new', 1), file('grown', 5), file('same', 3), file('touched', 3, 2000n), file('chmod', 3, 1000n, { mode: 0o600 })];
  const dst = [file('grown', 4), file('same', 3), file('touched', 3), file('chmod', 3)];
  const p = planDirectory('d', src, dst, false, ctx());
  assert.deepEqual(p.copies.map((c) => [c.rel, c.dst !== undefined]), [['d/new', false], ['d/grown', true], ['d/touched', true]]);
  assert.deepEqual(p.metas.map((m) => m.rel), ['d/chmod']);
  assert.equal(p.upToDate, 1);
  assert.equal(p.filesSeen, 5);
  assert.equal(p.changes, true);
});

test('--checksum asks to compare content of equal sizes; --size-only ignores mtime', () => {
  const src = [file('a', 3, 5n), file('b', 4)];
  const dst = [file('a', 3), file('b', 3)];
  const c = planDirectory('', src, dst, false, ctx({ compare: 'checksum' }));
  assert.deepEqual(c.copies.map((x) => [x.rel, x.compareFirst]), [['a', true], ['b', false]]);
  const s = planDirectory('', src, dst, false, ctx({ compare: 'size-only' }));
  assert.deepEqual(s.copies.map((x) => x.rel), ['b']);
  assert.deepEqual(s.metas.map((x) => x.rel), ['a']); // content taken as equal, mtime fixed
});

test('--ignore-existing skips any existing file', () => {
  const p = planDirectory('', [file('a', 3, 5n), file('b', 1)], [file('a', 9)], false, ctx({ ignoreExisting: true }));
  assert.deepEqual(p.copies.map((x) => x.rel), ['b']);
});

test('deletes only with --delete, and never excluded names or barge\'s own temporary files', () => {
  const own = [partialNameFor('big'), journalNameFor('big'), tempNameFor('big'), tempNameFor('gone')];
  const dst = [file('extra', 1), file('keep.log', 1), file('.barge-0123456789abcdef.part', 1), dir('olddir'), file('gone', 1), ...own.map((n) => file(n, 1))];
  const src = [file('big', 1)];
  const noDelete = planDirectory('', src, dst, false, ctx());
  assert.equal(noDelete.deletes.length, 0);
  // barge's: named after a file beside them (source or destination); the other is anyone's
  assert.deepEqual(noDelete.staleTemps.sort(), [...own].sort());
  const withDelete = planDirectory('', src, dst, false, ctx({ delete: true, filter: { rules: [{ kind: 'exclude', pattern: '*.log' }] } }));
  assert.deepEqual(withDelete.deletes.map((d) => d.rel).sort(), ['.barge-0123456789abcdef.part', 'extra', 'gone', 'olddir']);
  assert.deepEqual(withDelete.staleTemps.sort(), [...own].sort());
});

test('names of barge\'s temporary shape in the source are copied like any other', () => {
  const names = ['.barge-0123456789abcdef-x.tmp', '.barge-0123456789abcdef.part', '.barge-0123456789abcdef.part.log', partialNameFor('big')];
  const p = planDirectory('', names.map((n) => file(n, 2)), [], false, ctx());
  assert.deepEqual(p.copies.map((c) => c.rel).sort(), [...names].sort());
  // in the destination too, once there: compared, not taken for leftovers
  const same = planDirectory('', [...names.map((n) => file(n, 2)), file('big', 1)], names.map((n) => file(n, 2)), false, ctx());
  assert.deepEqual([same.copies.length, same.staleTemps.length, same.upToDate], [1, 0, 4]);
});

test('a large file whose partial name a source entry holds is copied whole', () => {
  const p = planDirectory('', [file('big', 100), file(partialNameFor('big'), 1), file('other', 100)], [], false, ctx({ chunkCutoff: 10 }));
  assert.deepEqual(p.copies.map((c) => [c.rel, c.whole === true]), [['big', true], [partialNameFor('big'), false], ['other', false]]);
});

test('type changes replace what is in the way', () => {
  const p = planDirectory('', [file('x', 1), dir('y'), { ...file('z', 0), type: 'symlink', linkTarget: 't' }],
    [dir('x'), file('y', 1), file('z', 1)], false, ctx());
  assert.deepEqual(p.replaces.map((r) => r.rel).sort(), ['x', 'y']);
  assert.deepEqual(p.mkdirs.map((m) => m.rel), ['y']);
  assert.deepEqual(p.symlinks.map((s) => s.rel), ['z']);
  assert.deepEqual(p.descend.map((d) => [d.rel, d.dstExists]), [['y', false]]);
});

test('special files are reported, not copied', () => {
  const p = planDirectory('', [{ ...file('f', 0), type: 'fifo' }, { ...file('s', 0), type: 'socket' }], [], false, ctx());
  assert.equal(p.specials.length, 2);
  assert.equal(p.copies.length, 0);
});

test('symlinks compare by target', () => {
  const link = (name: string, target: string): Entry => ({ ...file(name, target.length), type: 'symlink', linkTarget: target });
  const p = planDirectory('', [link('a', 'one'), link('b', 'two')], [link('a', 'one'), link('b', 'old')], false, ctx());
  assert.deepEqual(p.symlinks.map((s) => s.rel), ['b']);
  assert.equal(p.changes, true);
});

test('mtime compared at the coarser resolution of the two sides', () => {
  const p = planDirectory('', [file('a', 1, 1_500_000_000n)], [file('a', 1, 1_000_000_000n)], false, { ...ctx(), resolutionNs: 2_000_000_000n });
  assert.equal(p.copies.length, 0);
});

test('copyAgainBelow: a small file the quick check finds up to date is copied again; a large one or a hard link is not', () => {
  const src = [file('small', 10), file('large', 5000), file('linked', 10, 1000n, { nlink: 2 }), file('chmod', 10, 1000n, { mode: 0o600 })];
  const dst = [file('small', 10), file('large', 5000), file('linked', 10), file('chmod', 10)];
  const p = planDirectory('d', src, dst, false, { ...ctx({ hardLinks: true }), copyAgainBelow: 1000 });
  assert.deepEqual(p.copies.map((c) => [c.rel, c.dst !== undefined]), [['d/small', true], ['d/chmod', true]]);
  assert.equal(p.upToDate, 2);
  assert.deepEqual(p.metas, []);
  const plain = planDirectory('d', src, dst, false, ctx({ hardLinks: true }));
  assert.deepEqual(plain.copies, [], 'without it, nothing is copied');
});
