// ^C during a copy: exit 130, no temporary small file left, no partial file under a
// final name; the next run resumes a large file from the chunks already written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { patternBytes } from './helpers/odd-tree.js';
import { runBarge, startBarge, waitUntil } from './helpers/run-cli.js';
import { diffTrees } from './helpers/tree-diff.js';

const MiB = 1024 * 1024;
let work: string;
before(() => { work = mkdtempSync(join(tmpdir(), 'barge-int-')); });
after(() => rmSync(work, { recursive: true, force: true }));

function journalLines(dst: string): number {
  const j = readdirSync(dst).find((n) => n.endsWith('.part.log'));
  return j ? readFileSync(join(dst, j), 'utf8').split('\n').filter((l) => l.startsWith('chunk ')).length : 0;
}

test('interrupt a large copy, re-run, and it resumes from the chunks already written', async () => {
  const src = join(work, 'src');
  const dst = join(work, 'dst');
  mkdirSync(join(src, 'small'), { recursive: true });
  const size = 96 * MiB + 12345;
  writeFileSync(join(src, 'big.bin'), patternBytes('big', size));
  for (let i = 0; i < 50; i++) writeFileSync(join(src, 'small', `s${i}`), patternBytes(`s${i}`, 10_000));
  // 2 MiB chunks at 16 MiB/s: about six seconds, long enough to interrupt halfway
  const flags = ['--chunk-cutoff', '8M', '--chunk-size', '2M', '--transfers', '2'];
  const p = startBarge(['sync', ...flags, '--bwlimit', '16M', src, dst]);
  await waitUntil(() => existsSync(dst) && journalLines(dst) >= 8, 30_000);
  p.kill('SIGINT');
  const r = await p.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted/);
  assert.ok(!existsSync(join(dst, 'big.bin')), 'no partial file under the final name');
  const leftovers = readdirSync(dst).filter((n) => n.startsWith('.barge-'));
  assert.ok(leftovers.some((n) => n.endsWith('.part')), `the partial is kept: ${leftovers.join(' ')}`);
  assert.ok(!leftovers.some((n) => n.endsWith('.tmp')), 'no temporary small files');
  const chunksBefore = journalLines(dst);

  const again = await runBarge(['sync', ...flags, '--json', src, dst]);
  assert.equal(again.code, 0, again.stderr);
  const s = JSON.parse(again.stdout) as { bytesResumed: number; bytesCopied: number };
  assert.ok(s.bytesResumed >= chunksBefore * 2 * MiB - 2 * MiB, `resumed ${s.bytesResumed} bytes of ${chunksBefore} chunks`);
  assert.ok(s.bytesCopied < size, 'not copied from zero');
  assert.deepEqual(diffTrees(src, dst), []);
  assert.deepEqual(readdirSync(dst).filter((n) => n.startsWith('.barge-')), []);
});

test('a partial whose source changed since is discarded, not resumed', async () => {
  const src = join(work, 'src2');
  const dst = join(work, 'dst2');
  mkdirSync(src);
  writeFileSync(join(src, 'big.bin'), patternBytes('v1', 20 * MiB));
  const flags = ['--chunk-cutoff', '4M', '--chunk-size', '1M', '--transfers', '2'];
  const p = startBarge(['sync', ...flags, '--bwlimit', '4M', src, dst]);
  await waitUntil(() => existsSync(dst) && journalLines(dst) >= 3, 30_000);
  p.kill('SIGINT');
  assert.equal((await p.done).code, 130);
  writeFileSync(join(src, 'big.bin'), patternBytes('v2', 20 * MiB));
  const again = await runBarge(['sync', ...flags, '--json', src, dst]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { bytesResumed: number }).bytesResumed, 0);
  assert.deepEqual(diffTrees(src, dst), []);
});

test('a partial whose source was rewritten with its mtime put back is discarded, not resumed', async () => {
  const src = join(work, 'src3');
  const dst = join(work, 'dst3');
  mkdirSync(src);
  const big = join(src, 'big.bin');
  writeFileSync(big, patternBytes('v1', 20 * MiB));
  writeFileSync(join(work, 'stamp'), '');
  execFileSync('touch', ['-r', big, join(work, 'stamp')]); // the mtime to the nanosecond
  const flags = ['--chunk-cutoff', '4M', '--chunk-size', '1M', '--transfers', '2'];
  const p = startBarge(['sync', ...flags, '--bwlimit', '4M', src, dst]);
  await waitUntil(() => existsSync(dst) && journalLines(dst) >= 3, 30_000);
  p.kill('SIGINT');
  assert.equal((await p.done).code, 130);
  // same size, same mtime, other bytes: only the change time says so
  writeFileSync(big, patternBytes('v2', 20 * MiB));
  execFileSync('touch', ['-r', join(work, 'stamp'), big]);
  assert.equal(statSync(big, { bigint: true }).mtimeNs, statSync(join(work, 'stamp'), { bigint: true }).mtimeNs);
  const again = await runBarge(['sync', ...flags, '--json', src, dst]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { bytesResumed: number }).bytesResumed, 0);
  assert.deepEqual(diffTrees(src, dst), []);
});
