// --max-delete as rsync's: up to N entries go (each file, link and directory counts
// one), the rest is skipped and counted, the run exits 1 with E_MAX_DELETE; the dry run
// names and counts the very entries the real run then removes. rsync, when installed,
// removes as many from the same tree.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { runBarge } from './helpers/run-cli.js';

let work: string;
before(() => { work = mkdtempSync(join(tmpdir(), 'barge-maxdel-')); });
after(() => rmSync(work, { recursive: true, force: true }));

/** a source with one file, and a destination with it and 9 extra entries */
function fresh(name: string): { src: string; dst: string } {
  const src = join(work, name, 'src');
  const dst = join(work, name, 'dst');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'keep'), 'k');
  mkdirSync(join(dst, 'x/y'), { recursive: true });
  mkdirSync(join(dst, 'z'));
  for (const f of ['keep', 'x/a', 'x/b', 'x/y/c', 'f1', 'f2']) writeFileSync(join(dst, f), 'old');
  symlinkSync('nowhere', join(dst, 'ln'));
  return { src, dst };
}
const EXTRA = 9; // x, x/y, z, x/a, x/b, x/y/c, f1, f2, ln

/** every entry under root, as relative paths */
function entries(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      out.push(relative(root, join(dir, e.name)));
      if (e.isDirectory()) walk(join(dir, e.name));
    }
  };
  walk(root);
  return out.sort();
}

const deleteLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('delete '));

test('--max-delete 4 deletes 4 entries, skips the rest and says how many; the dry run names the same 4', async () => {
  const { src, dst } = fresh('limit');
  const before = entries(dst);
  const dry = await runBarge(['sync', '-n', '--delete', '--max-delete', '4', src, dst]);
  assert.equal(dry.code, 1, dry.stderr);
  assert.deepEqual(entries(dst), before, 'a dry run deletes nothing');
  const predicted = deleteLines(dry.stdout);
  assert.equal(predicted.length, 4, dry.stdout);
  assert.match(dry.stderr, new RegExp(`E_MAX_DELETE: --max-delete 4 would stop the delete pass: ${EXTRA - 4} deletions would be skipped`));
  assert.match(dry.stderr, new RegExp(`would delete 4 \\(${EXTRA - 4} more would be skipped: --max-delete\\)`));

  const real = await runBarge(['sync', '-v', '--delete', '--max-delete', '4', src, dst]);
  assert.equal(real.code, 1, real.stderr);
  assert.deepEqual(deleteLines(real.stdout), predicted, 'the real run removes what the dry run named');
  const gone = before.filter((p) => !entries(dst).includes(p));
  assert.equal(gone.length, 4, `gone: ${gone.join(' ')}`);
  // each line names one entry that is gone (directories with a trailing /)
  assert.deepEqual(predicted.map((l) => l.slice('delete   '.length).replace(/\/$/, '')).sort(), gone.sort());
  // every entry that stays and would have gone is one deletion skipped
  assert.match(real.stderr, new RegExp(`E_MAX_DELETE: --max-delete 4 stopped the delete pass: ${EXTRA - 4} deletions skipped`));
  assert.match(real.stderr, new RegExp(`deleted 4 \\(${EXTRA - 4} more skipped: --max-delete\\)`));
  assert.ok(existsSync(join(dst, 'keep')));

  // without the limit, the rest goes
  const rest = await runBarge(['sync', '--delete', '--json', src, dst]);
  assert.equal(rest.code, 0, rest.stderr);
  assert.equal((JSON.parse(rest.stdout) as { deleted: number }).deleted, EXTRA - 4);
  assert.deepEqual(entries(dst), ['keep']);
});

test('a limit the deletions fit in deletes everything and exits 0; a dry run counts each entry it lists', async () => {
  const { src, dst } = fresh('fits');
  const dry = await runBarge(['sync', '-n', '--delete', '--max-delete', String(EXTRA), '--json', src, dst]);
  assert.equal(dry.code, 0, dry.stderr);
  const lines = dry.stderr.split('\n').filter((l) => l.startsWith('delete '));
  const s = JSON.parse(dry.stdout) as { deleted: number; deletesSkipped: number };
  assert.equal(lines.length, EXTRA, dry.stderr);
  assert.equal(s.deleted, EXTRA, 'listed and counted alike');
  assert.equal(s.deletesSkipped, 0);
  const real = await runBarge(['sync', '--delete', '--max-delete', String(EXTRA), src, dst]);
  assert.equal(real.code, 0, real.stderr);
  assert.match(real.stderr, new RegExp(`deleted ${EXTRA},`));
  assert.deepEqual(entries(dst), ['keep']);
});

const rsyncAt = ((): string | undefined => {
  try { return execFileSync('sh', ['-c', 'command -v rsync']).toString().trim() || undefined; } catch { return undefined; }
})();

test('rsync --max-delete removes as many entries from the same tree', { skip: rsyncAt === undefined && process.env.CI !== 'true' ? 'rsync is not installed' : undefined }, async () => {
  for (const n of [1, 4, 7]) {
    const a = fresh(`rsync-${n}`);
    const b = fresh(`barge-${n}`);
    let rsyncCode = 0;
    try { execFileSync('rsync', ['-rl', '--delete', `--max-delete=${n}`, `${a.src}/`, `${a.dst}/`], { stdio: 'pipe' }); } catch (e) { rsyncCode = (e as { status: number }).status; }
    assert.equal(rsyncCode, 25, 'rsync: the --max-delete limit stopped deletions');
    const r = await runBarge(['sync', '--delete', '--max-delete', String(n), b.src, b.dst]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(entries(b.dst).length, entries(a.dst).length, `--max-delete ${n}: barge left ${entries(b.dst).join(' ')}, rsync ${entries(a.dst).join(' ')}`);
    assert.equal(entries(b.dst).length, 1 + EXTRA - n);
  }
});
