// rsync is the reference (issue 28): for each case (test/helpers/rsync-diff-cases.ts) the
// same source is copied by `rsync -a FLAGS` and by `barge sync FLAGS` into two destinations
// that start out equal, and an independent listing of each (type, mode, owner, size, mtime to
// the nanosecond, link target, content hash, hard-link groups; allocated blocks for sparse
// files) must agree, but for the differences a case names as on purpose, each documented in
// the README ("Differences from rsync"). A named difference that no longer shows fails too, so
// the list cannot go stale. Then barge runs again: a no-op (exit 0, nothing done, and not one
// entry's ctime moved).
//
// Files that grow or vanish *during* a run cannot be made to happen at the same point in two
// tools, so the case for them changes the source between two runs and compares what the run
// after the change leaves; barge's own handling of a file changed mid-copy is in sync-faults.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { CASES, type DiffCase, type KnownDifference } from './helpers/rsync-diff-cases.js';
import { BARGE_MAIN } from './helpers/run-cli.js';
import { compareListings, listTree, type Difference } from './helpers/tree-listing.js';
import { diffSnapshots, snapshotTree } from './helpers/tree-snapshot.js';

const asRoot = process.getuid?.() === 0;
const ci = process.env.CI === 'true';
const hasRsync = spawnSync('rsync', ['--version']).status === 0;
const noRsync = !hasRsync && !ci ? 'rsync is not installed (apt-get install -y rsync)' : undefined;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-rsync-diff-'));
after(() => {
  spawnSync('chmod', ['-R', 'u+rwx', work]);
  fs.rmSync(work, { recursive: true, force: true });
});

/** a command under the case's umask (022 unless it names one), its output as text */
function underUmask(c: DiffCase, cmd: string[]): SpawnSyncReturns<string> {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // or a node:test inside the child would report to this runner
  return spawnSync('sh', ['-c', `umask ${c.umask ?? '022'} && exec "$@"`, 'sh', ...cmd], { encoding: 'utf8', env, timeout: 60_000 });
}

interface Paths { src: string; rsync: string; barge: string; list?: string }

function rsyncRun(c: DiffCase, p: Paths): void {
  const args = ['-a', ...(c.rsyncFlags ?? []), ...c.flags, ...(p.list ? ['--files-from', p.list] : []), `${p.src}/`, `${p.rsync}/`];
  const r = underUmask(c, ['rsync', ...args]);
  assert.equal(r.status, 0, `rsync ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}

interface Summary { status: string; [counter: string]: unknown }

function bargeRun(c: DiffCase, p: Paths): Summary {
  const args = ['sync', '--json', '--no-progress', ...c.flags, ...(p.list ? ['--files-from', p.list] : []), p.src, p.barge];
  const r = underUmask(c, [process.execPath, BARGE_MAIN, ...args]);
  assert.equal(r.status, 0, `barge ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Summary;
}

const utf8Path = (d: Difference): string => Buffer.from(d.key, 'latin1').toString('utf8');

function explained(d: Difference, known: KnownDifference[]): KnownDifference | undefined {
  return known.find((k) => k.field === d.field && k.path.test(utf8Path(d)));
}

/** what a no-op run may not do: every action counter of the summary must be zero */
const ACTIONS = ['filesCopied', 'bytesCopied', 'metaUpdated', 'dirsCreated', 'symlinksMade', 'hardlinksMade', 'deleted', 'failed'];

for (const [i, c] of CASES.entries()) {
  const skip = noRsync ?? (c.needsRoot && !asRoot && !ci ? 'needs root (devices)' : undefined);
  test(`rsync -a ${[...(c.rsyncFlags ?? []), ...c.flags].join(' ')} and barge agree: ${c.name}`, { skip }, () => {
    assert.ok(hasRsync, 'rsync is needed: apt-get install -y rsync');
    if (c.needsRoot) assert.ok(asRoot, `the case "${c.name}" needs root`);
    const dir = path.join(work, String(i));
    const p: Paths = { src: path.join(dir, 'src'), rsync: path.join(dir, 'dst-rsync'), barge: path.join(dir, 'dst-barge') };
    c.src(p.src);
    if (c.dst) {
      c.dst(p.rsync);
      c.dst(p.barge);
      assert.deepEqual(compareListings(listTree(p.rsync), listTree(p.barge)).map((d) => d.line), [],
        'both destinations start out equal');
    }
    if (c.filesFrom) {
      p.list = path.join(dir, 'files-from');
      fs.writeFileSync(p.list, c.filesFrom);
    }
    if (c.change) {
      rsyncRun(c, p);
      bargeRun(c, p);
      c.change(p.src);
    }
    rsyncRun(c, p);
    const summary = bargeRun(c, p);
    assert.equal(summary.status, 'ok');

    const opts = { allocation: c.allocation };
    const diffs = compareListings(listTree(p.rsync, opts), listTree(p.barge, opts), ['rsync', 'barge']);
    const source = listTree(p.src, opts);
    const known = c.known ?? [];
    // each line says what the source has there, to tell which tool strayed from it
    const unexplained = diffs.filter((d) => !explained(d, known))
      .map((d) => `${d.line} (source: ${source.get(d.key)?.values.get(d.field) ?? source.get(d.key)?.type ?? 'none'})`);
    assert.deepEqual(unexplained, [], `${c.name}: barge's copy differs from rsync's (intent: ${c.intent})`);
    const stale = known.filter((k) => !diffs.some((d) => explained(d, [k]) === k));
    assert.deepEqual(stale.map((k) => `${k.field} ${k.path}: ${k.why}`), [],
      `${c.name}: differences listed as on purpose that no longer show (take them out of the case and the README)`);

    const before = snapshotTree(p.barge, { ctime: true });
    const again = bargeRun(c, p);
    const done = ACTIONS.filter((k) => again[k] !== 0).map((k) => `${k}=${String(again[k])}`);
    assert.deepEqual(done, [], `${c.name}: a second barge run must do nothing`);
    assert.deepEqual(diffSnapshots(before, snapshotTree(p.barge, { ctime: true })), [],
      `${c.name}: a second barge run touched entries`);
  });
}
