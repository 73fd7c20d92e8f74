// Filters and compare modes of barge sync: include/exclude order, file lists, size and
// age limits, --size-only, --ignore-existing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeNs } from './helpers/ns-time.js';
import { runBarge } from './helpers/run-cli.js';
import { snapshotTree } from './helpers/tree-diff.js';

let work: string;
let src: string;
const NOW_NS = BigInt(Date.now()) * 1_000_000n;
const DAY_NS = 86_400_000_000_000n;

function put(rel: string, size: number, ageDays = 0): void {
  const p = join(src, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, Buffer.alloc(size, rel.length));
  setTimeNs(p, NOW_NS - BigInt(ageDays) * DAY_NS);
}

function files(root: string): string[] {
  return snapshotTree(root).filter((e) => e.type === 'file').map((e) => e.path).sort();
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'barge-filter-'));
  src = join(work, 'src');
  put('keep.txt', 10, 1);
  put('drop.tmp', 10, 1);
  put('keep.tmp', 10, 1);
  put('logs/a.log', 100, 1);
  put('logs/deep/b.log', 2000, 30);
  put('data/big.bin', 50_000, 5);
  put('data/small.bin', 5, 100);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('include before exclude: the first matching rule wins', async () => {
  const dst = join(work, 'd1');
  const r = await runBarge(['sync', '--include', 'keep.tmp', '--exclude', '*.tmp', '--exclude', 'logs/', src, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(files(dst), ['data/big.bin', 'data/small.bin', 'keep.tmp', 'keep.txt']);
});

test('excluded files on the destination survive --delete', async () => {
  const dst = join(work, 'd2');
  mkdirSync(dst);
  writeFileSync(join(dst, 'local.tmp'), 'mine');
  writeFileSync(join(dst, 'stray.txt'), 'old');
  const r = await runBarge(['sync', '--delete', '--exclude', '*.tmp', src, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dst, 'local.tmp'), 'utf8'), 'mine');
  assert.ok(!existsSync(join(dst, 'stray.txt')));
});

test('--min-size, --max-size, --min-age and --max-age', async () => {
  const a = join(work, 'd3');
  assert.equal((await runBarge(['sync', '--min-size', '1K', '--max-size', '10K', src, a])).code, 0);
  assert.deepEqual(files(a), ['logs/deep/b.log']);
  const b = join(work, 'd4');
  assert.equal((await runBarge(['sync', '--min-age', '2d', '--max-age', '60d', src, b])).code, 0);
  assert.deepEqual(files(b), ['data/big.bin', 'logs/deep/b.log']);
});

test('--files-from copies the listed files and listed directories whole', async () => {
  const list = join(work, 'list.txt');
  writeFileSync(list, '# a comment\nkeep.txt\nlogs\n\n');
  const dst = join(work, 'd5');
  const r = await runBarge(['sync', '--files-from', list, src, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(files(dst), ['keep.txt', 'logs/a.log', 'logs/deep/b.log']);
});

test('--files-from: a line "." (or "./") is the whole tree, with or without other lines', async () => {
  const all = files(src);
  for (const [i, lines] of [['.'], ['./'], ['keep.txt', '.', 'logs/a.log']].entries()) {
    const list = join(work, `dot-${i}.txt`);
    writeFileSync(list, lines.join('\n') + '\n');
    const dst = join(work, `dot-${i}`);
    const r = await runBarge(['sync', '--files-from', list, src, dst]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(files(dst), all, lines.join(' '));
  }
});

test('--files-from: each listed path the source lacks is an error naming it; the rest is copied; exit 1', async () => {
  const list = join(work, 'list-missing.txt');
  writeFileSync(list, 'keep.txt\nnope.txt\nlogs/gone.log\nabsent/deep/x\nlogs/deep/b.log\n');
  for (const dry of [['-n'], []]) {
    const dst = join(work, `d-missing${dry.length}`);
    const r = await runBarge(['sync', '--json', ...dry, '--files-from', list, src, dst]);
    assert.equal(r.code, 1, r.stderr);
    const s = JSON.parse(r.stdout) as { failed: number; errors: { path: string; code: string; message: string }[] };
    assert.deepEqual(s.errors.map((e) => [e.path, e.code]).sort(), [['absent', 'E_NOT_FOUND'], ['logs/gone.log', 'E_NOT_FOUND'], ['nope.txt', 'E_NOT_FOUND']]);
    assert.match(s.errors.find((e) => e.path === 'absent')?.message ?? '', /listed in --files-from \(as absent\/deep\/x\) but not in the source/);
    assert.equal(s.failed, 3);
    if (dry.length === 0) assert.deepEqual(files(dst), ['keep.txt', 'logs/deep/b.log']);
    else assert.ok(!existsSync(dst), 'the dry run made nothing');
  }
});

test('--files-from: a line with a NUL byte is bad input, shown as \\0; nothing is written', async () => {
  const list = join(work, 'list-nul.txt');
  writeFileSync(list, 'keep.txt\nlogs/a\0b\n');
  const dst = join(work, 'd-nul-list');
  const r = await runBarge(['sync', '--files-from', list, src, dst]);
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes("line 2: 'logs/a\\0b' has a NUL byte in it"), r.stderr);
  assert.ok(!existsSync(dst), 'nothing written');
});

test('--files-from: an absolute path or one with .. is bad input, named with its line; nothing is written', async () => {
  for (const [line, why] of [['/etc/passwd', /is absolute/], ['logs/../keep.txt', /has a '\.\.' in it/]] as const) {
    const list = join(work, 'list-bad.txt');
    writeFileSync(list, `keep.txt\n# comment\n${line}\n`);
    const dst = join(work, 'd-bad-list');
    const r = await runBarge(['sync', '--files-from', list, src, dst]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--files-from '.*list-bad\\.txt' line 3: '${line.replace(/\./g, '\\.')}'`));
    assert.match(r.stderr, why);
    assert.ok(!existsSync(dst), 'nothing written');
  }
});

test('--size-only and --ignore-existing', async () => {
  const dst = join(work, 'd6');
  assert.equal((await runBarge(['sync', src, dst])).code, 0);
  writeFileSync(join(dst, 'keep.txt'), Buffer.alloc(10, 99)); // same size, new mtime, other bytes
  writeFileSync(join(dst, 'drop.tmp'), 'another size');
  const r = await runBarge(['sync', '--size-only', '-v', src, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dst, 'keep.txt'))[0], 99, 'same size: left alone');
  assert.match(r.stdout, /^update +drop\.tmp$/m);
  writeFileSync(join(dst, 'drop.tmp'), 'other size again');
  const i = await runBarge(['sync', '--ignore-existing', src, dst]);
  assert.equal(i.code, 0, i.stderr);
  assert.equal(readFileSync(join(dst, 'drop.tmp'), 'utf8'), 'other size again');
});
