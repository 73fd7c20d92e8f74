import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from './entry.js';
import { listedPathProblem, PathFilter } from './filter.js';

const NOW = 100n * 86400n * 1_000_000_000n;
function f(name: string, size = 10, ageDays = 1, type: Entry['type'] = 'file'): Entry {
  return { name, type, size, mtimeNs: NOW - BigInt(ageDays) * 86400n * 1_000_000_000n, mode: 0o644, uid: 0, gid: 0, dev: 1, ino: 1, nlink: 1, allocated: 0 };
}

test('first matching rule wins', () => {
  const p = new PathFilter({ rules: [{ kind: 'include', pattern: 'keep.tmp' }, { kind: 'exclude', pattern: '*.tmp' }] }, NOW);
  assert.ok(p.accepts('a/keep.tmp', f('keep.tmp'), false));
  assert.ok(!p.accepts('a/x.tmp', f('x.tmp'), false));
  assert.ok(p.accepts('a/x.txt', f('x.txt'), false));
});

test('size and age limits apply to files only', () => {
  const p = new PathFilter({ minSize: 5, maxSize: 20, minAge: 2 * 86400, maxAge: 10 * 86400 }, NOW);
  assert.ok(!p.accepts('s', f('s', 4, 5), false));
  assert.ok(!p.accepts('b', f('b', 21, 5), false));
  assert.ok(!p.accepts('young', f('young', 10, 1), false));
  assert.ok(!p.accepts('old', f('old', 10, 11), false));
  assert.ok(p.accepts('ok', f('ok', 10, 5), false));
  assert.ok(p.accepts('d', f('d', 1, 50, 'dir'), false));
});

test('a file list admits listed files, their parent directories, and listed subtrees', () => {
  const p = new PathFilter({ filesFrom: ['a/b/c.txt', 'top/', 'x'] }, NOW);
  assert.ok(p.accepts('a', f('a', 0, 1, 'dir'), false));
  assert.ok(p.accepts('a/b', f('b', 0, 1, 'dir'), false));
  assert.ok(p.accepts('a/b/c.txt', f('c.txt'), false));
  assert.ok(!p.accepts('a/b/d.txt', f('d.txt'), false));
  assert.ok(!p.accepts('z', f('z'), false));
  assert.ok(p.coversSubtree('top'));
  assert.ok(p.accepts('top/deep/file', f('file'), true));
});

const names = (...n: string[]): { name: string; type: string }[] => n.map((name) => ({ name, type: name === 'sub' ? 'dir' : 'file' }));

test('a file list says which listed names a directory lacks, each with a path that lists it', () => {
  const f = new PathFilter({ filesFrom: ['a.txt', './sub//b', 'sub/c', 'deep/x/y', 'deep/x/z'] }, 0n);
  assert.deepEqual(f.missingListed('', names('a.txt', 'sub', 'other')), [['deep', 'deep/x/y']]);
  assert.deepEqual(f.missingListed('sub', names('b')), [['sub/c', 'sub/c']]);
  assert.deepEqual(f.missingListed('deep/x', names('y', 'z')), []);
  assert.deepEqual(f.missingListed('elsewhere', []), []);
  assert.deepEqual(new PathFilter({}, 0n).missingListed('', names('x')), [], 'no list, nothing missing');
});

test('a listed path below a name that is no directory (a symlink) is reported with its type, not passed over', () => {
  const f = new PathFilter({ filesFrom: ['link/inner', 'file'] }, 0n);
  assert.deepEqual(f.missingListed('', [{ name: 'link', type: 'symlink' }, { name: 'file', type: 'file' }]), [['link', 'link/inner', 'symlink']]);
  assert.deepEqual(f.missingListed('', [{ name: 'link', type: 'dir' }, { name: 'file', type: 'file' }]), []);
});

test('list lines that cannot name a path under SRC', () => {
  assert.match(listedPathProblem('/etc/passwd') ?? '', /absolute/);
  assert.match(listedPathProblem('a/../b') ?? '', /'\.\.'/);
  assert.match(listedPathProblem('..') ?? '', /'\.\.'/);
  assert.equal(listedPathProblem('./a/b'), undefined);
  assert.equal(listedPathProblem('a..b/..c'), undefined, 'dots inside a name are fine');
  assert.match(listedPathProblem('a/b\0c') ?? '', /NUL/);
});
