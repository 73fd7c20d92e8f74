// What barge sync prints: action lines with -v, nothing but errors with -q, the JSON
// summary with --json, JSON log lines with --log-format json.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runBarge } from './helpers/run-cli.js';

let work: string;
let src: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'barge-out-'));
  src = join(work, 'src');
  mkdirSync(join(src, 'dir'), { recursive: true });
  writeFileSync(join(src, 'dir', 'new\nline'), 'a');
  writeFileSync(join(src, 'plain'), 'b');
});
after(() => rmSync(work, { recursive: true, force: true }));

test('-v prints one escaped line per action and a summary', async () => {
  const r = await runBarge(['sync', '-v', src, join(work, 'v')]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['mkdir    dir/', 'new      dir/new\\nline', 'new      plain']);
  assert.match(r.stderr, /copied 2 files, 2 B/);
});

test('the summary counts one file and one directory in the singular', async () => {
  const one = join(work, 'one');
  mkdirSync(one);
  writeFileSync(join(one, 'only'), 'c');
  const r = await runBarge(['sync', one, join(work, 'one-copy')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /: 1 file \(1 B\) in 1 directory\n/);
  assert.match(r.stderr, /copied 1 file, 1 B/);
});

test('-q prints nothing on success', async () => {
  const r = await runBarge(['sync', '-q', src, join(work, 'q')]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout + r.stderr, '');
});

test('--json prints the summary as JSON on stdout', async () => {
  const r = await runBarge(['sync', '--json', src, join(work, 'j')]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(s.status, 'ok');
  assert.equal(s.filesCopied, 2);
  assert.equal(s.bytesCopied, 2);
  assert.equal(s.dirsCreated, 1);
  assert.deepEqual(s.errors, []);
});

test('--log-format json writes JSON lines on stderr, errors included', async () => {
  const dst = join(work, 'l');
  const r = await runBarge(['sync', '--verify', '--log-format', 'json', src, dst], { env: { BARGE_TEST_CORRUPT_ALWAYS: 'plain' } });
  assert.equal(r.code, 1);
  const lines = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; code?: string; msg: string; path?: string });
  const err = lines.find((l) => l.code === 'E_CHECKSUM');
  assert.ok(err, r.stderr);
  assert.equal(err.path, 'plain');
  assert.ok(lines.some((l) => l.msg === 'summary'));
});

test('-q silences a dry run too: the exit code and --json tell the result', async () => {
  const r = await runBarge(['sync', '-q', '-n', src, join(work, 'qn')]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout + r.stderr, '');
  const j = await runBarge(['sync', '-q', '-n', '--json', src, join(work, 'qn')]);
  assert.equal(j.code, 0, j.stderr);
  assert.equal(j.stderr, '');
  assert.equal((JSON.parse(j.stdout) as { filesToCopy: number }).filesToCopy, 2);
});

test('--log-format json: usage errors and bad input are JSON lines too', async () => {
  for (const [args, code, msg] of [
    [['--bogus'], 'E_USAGE', /unknown option '--bogus'/],
    [['--max-age', 'soon'], 'E_USAGE', /bad age 'soon'/],
    [[], 'E_BAD_INPUT', /source '.*nope' does not exist/],
  ] as const) {
    const r = await runBarge(['sync', '--log-format', 'json', ...args, join(work, 'nope'), join(work, 'never')]);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; code: string; msg: string });
    assert.equal(lines.length, 1, r.stderr);
    assert.equal(lines[0]?.level, 50);
    assert.equal(lines[0]?.code, code);
    assert.match(lines[0]?.msg ?? '', msg);
  }
});

test('a symlink or fifo on DST where SRC has a file is replaced, and the line says so', async () => {
  const dst = join(work, 'r');
  mkdirSync(dst);
  symlinkSync('/etc/hostname', join(dst, 'plain'));
  execFileSync('mkfifo', ['--', join(dst, 'dir')]); // where SRC has a directory: a replace of its own
  for (const dry of [['-n'], []]) {
    const r = await runBarge(['sync', '-v', ...dry, src, dst]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean).sort();
    assert.deepEqual(lines, ['mkdir    dir/', 'new      dir/new\\nline', 'replace  dir (fifo -> dir)', 'replace  plain (symlink -> file)']);
  }
  assert.ok(lstatSync(join(dst, 'plain')).isFile());
  assert.equal(readFileSync(join(dst, 'plain'), 'utf8'), 'b');
});

test('each special file skipped is named on stderr (not with -q), and the summary counts them', async () => {
  const sp = join(work, 'sp');
  mkdirSync(join(sp, 'd'), { recursive: true });
  execFileSync('mkfifo', ['--', join(sp, 'd', 'pipe\nname')]);
  writeFileSync(join(sp, 'f'), 'x');
  const r = await runBarge(['sync', sp, join(work, 'sp-dst')]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stderr.split('\n').includes('barge: skipping non-regular file d/pipe\\nname (fifo)'), r.stderr);
  assert.match(r.stderr, /special files skipped 1,/);
  const q = await runBarge(['sync', '-q', sp, join(work, 'sp-q')]);
  assert.equal(q.code, 0, q.stderr);
  assert.equal(q.stdout + q.stderr, '');
  const j = await runBarge(['sync', '--json', sp, join(work, 'sp-j')]);
  assert.equal((JSON.parse(j.stdout) as { specialsSkipped: number }).specialsSkipped, 1);
});

test('counts of one are singular in the summary: 1 file, 1 directory, 1 symlink, 1 hard link, 1 error', async () => {
  const one = join(work, 'one-each');
  mkdirSync(join(one, 'sub'), { recursive: true });
  writeFileSync(join(one, 'sub', 'a'), 'a');
  symlinkSync('a', join(one, 'sub', 'ln'));
  const dry = await runBarge(['sync', '-n', one, join(work, 'one-each-dst')]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stderr, /would copy 1 file, 1 B/);
  assert.match(dry.stderr, /would make 1 directory, 1 symlink, 0 hard links/);
  const r = await runBarge(['sync', '--verify', one, join(work, 'one-each-bad')], { env: { BARGE_TEST_CORRUPT_ALWAYS: 'sub/a' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\nbarge: 1 error:\n/);
  assert.doesNotMatch(r.stderr, /\b1 (files|directories|symlinks|errors)\b|\(s\)/);
});
