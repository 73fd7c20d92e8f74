// A destination directory in the way of a source file or symlink under --delete: its
// contents go in the delete pass, then the source entry lands. What the filters keep
// inside it stays, and then the entry cannot land: that is an error, never a silent skip.
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runBarge } from './helpers/run-cli.js';
import { diffTrees } from './helpers/tree-diff.js';

let work: string;

before(() => { work = mkdtempSync(join(tmpdir(), 'barge-replace-dir-')); });
after(() => rmSync(work, { recursive: true, force: true }));

/** SRC: files at two depths, a hard-linked pair, `cache` a file and `lnk` a symlink */
function makeSource(root: string): void {
  mkdirSync(join(root, 'sub', 'deep'), { recursive: true });
  writeFileSync(join(root, 'cache'), 'source file\n');
  writeFileSync(join(root, 'b'), 'bee\n');
  linkSync(join(root, 'b'), join(root, 'b2'));
  writeFileSync(join(root, 'sub', 'deep', 'a'), 'a\n');
  writeFileSync(join(root, 'sub', 'c'), 'c\n');
  symlinkSync('sub/c', join(root, 'lnk'));
}

/** DST: directories with content where SRC has `cache` and `lnk`; `keepLog` adds a *.log inside */
function makeDestination(root: string, keepLog: boolean): void {
  mkdirSync(join(root, 'cache', 'z'), { recursive: true });
  writeFileSync(join(root, 'cache', 'z', 'old'), 'old\n');
  mkdirSync(join(root, 'lnk'), { recursive: true });
  writeFileSync(join(root, 'lnk', 'old'), 'old\n');
  if (keepLog) writeFileSync(join(root, 'cache', 'x.log'), 'kept by the filter\n');
}

interface Summary { status: string; filesFound: number; dirsFound: number; filesToCopy: number; filesCopied: number; filesUpToDate: number; hardlinksMade: number; deleted: number; failed: number; errors: { path: string; code: string; message: string }[] }

function summary(stdout: string): Summary {
  return JSON.parse(stdout) as Summary;
}

test('--delete replaces non-empty directories by the source file and symlink, counting each entry once', async () => {
  const src = join(work, 'a-src');
  const dst = join(work, 'a-dst');
  makeSource(src);
  makeDestination(dst, false);
  const dry = await runBarge(['sync', '--json', '-v', '-H', '--delete', '-n', src, dst]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(readdirSync(join(dst, 'cache')).sort(), ['z'], 'the dry run changed nothing');
  const real = await runBarge(['sync', '--json', '-v', '-H', '--delete', src, dst]);
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(diffTrees(src, dst, { hardLinks: true }), []);
  assert.equal(readFileSync(join(dst, 'cache'), 'utf8'), 'source file\n');

  const d = summary(dry.stdout);
  const s = summary(real.stdout);
  // SRC holds 5 regular files (cache, b, b2, sub/c, sub/deep/a) in 3 directories
  assert.equal(s.filesFound, 5, 'each file counted once, not again by the scan after the delete pass');
  assert.equal(s.dirsFound, 3);
  assert.equal(s.filesUpToDate, 0);
  assert.equal(s.hardlinksMade, 1);
  assert.equal(s.filesCopied, 4);
  assert.equal(s.deleted, 5, 'cache/, cache/z/, cache/z/old, lnk/, lnk/old');
  for (const k of ['filesFound', 'dirsFound', 'filesToCopy', 'filesCopied', 'hardlinksMade', 'deleted'] as const) {
    assert.equal(d[k], s[k], `the dry run predicts ${k}`);
  }
  // the action lines: the same in both runs (the dry run without its header), no self-link
  const lines = (out: string): string[] => out.split('\n').filter((l) => /^(new|update|mkdir|symlink|hardlink|delete|replace) /.test(l)).sort();
  assert.deepEqual(lines(dry.stderr), lines(real.stderr));
  assert.ok(!/hardlink\s+(\S+) => \1$/m.test(real.stderr), real.stderr);
  assert.equal(lines(real.stderr).filter((l) => l.startsWith('hardlink')).length, 1, real.stderr);

  const again = await runBarge(['sync', '--json', '-H', '--delete', src, dst]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(summary(again.stdout).filesUpToDate, 5);
});

test('a directory in the way that holds an excluded file is kept, and the source file fails with E_EXISTS', async () => {
  const src = join(work, 'b-src');
  const dst = join(work, 'b-dst');
  makeSource(src);
  makeDestination(dst, true);
  const args = ['sync', '--json', '--delete', '--exclude', '*.log', src, dst];

  const dry = await runBarge([...args.slice(0, 1), '-n', ...args.slice(1)]);
  assert.equal(dry.code, 1, dry.stderr);
  const d = summary(dry.stdout);
  assert.deepEqual(d.errors.map((e) => [e.path, e.code]), [['cache', 'E_EXISTS']]);
  assert.equal(readFileSync(join(dst, 'cache', 'z', 'old'), 'utf8'), 'old\n', 'the dry run deleted nothing');

  const real = await runBarge(args);
  assert.equal(real.code, 1, real.stderr);
  const s = summary(real.stdout);
  assert.equal(s.status, 'failed');
  assert.deepEqual(s.errors.map((e) => [e.path, e.code]), [['cache', 'E_EXISTS']]);
  assert.match(s.errors[0]?.message ?? '', /still holds entries after the delete pass/);
  assert.match(real.stderr, /cache/);
  // the excluded file is untouched, the rest of the directory went, the other entries landed
  assert.equal(readFileSync(join(dst, 'cache', 'x.log'), 'utf8'), 'kept by the filter\n');
  assert.deepEqual(readdirSync(join(dst, 'cache')), ['x.log']);
  assert.equal(readFileSync(join(dst, 'sub', 'deep', 'a'), 'utf8'), 'a\n');
  assert.equal(readFileSync(join(dst, 'b'), 'utf8'), 'bee\n');
  assert.equal(s.failed, 1);
  assert.equal(d.failed, 1);
});
