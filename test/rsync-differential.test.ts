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
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { CASES, type DiffCase, type KnownDifference } from './helpers/rsync-diff-cases.js';
import { BARGE_MAIN } from './helpers/run-cli.js';
import { compareListings, listTree, type Difference } from './helpers/tree-listing.js';
import { diffSnapshots, snapshotTree } from './helpers/tree-snapshot.js';
import { setTimesNs } from './helpers/ns-time.js';

const asRoot = process.getuid?.() === 0;
const ci = process.env.CI === 'true';
const AS_NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
const NOBODY = 65534;
const hasRsync = spawnSync('rsync', ['--version']).status === 0;
const noRsync = !hasRsync && !ci ? 'rsync is not installed (apt-get install -y rsync)' : undefined;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-rsync-diff-'));
fs.chmodSync(work, 0o755); // for the case run as nobody
after(() => {
  spawnSync('chmod', ['-R', 'u+rwx', work]);
  fs.rmSync(work, { recursive: true, force: true });
});

interface Ended { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; error?: Error }

/** a command under the case's umask (022 unless it names one), its output as text; killed after 60 s */
function underUmask(c: DiffCase, cmd: string[]): Promise<Ended> {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // or a node:test inside the child would report to this runner
  const user = c.asNobody ? AS_NOBODY : [];
  const child = spawn('sh', ['-c', `umask ${c.umask ?? '022'} && exec "$@"`, 'sh', ...user, ...cmd], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    const end = (status: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      clearTimeout(timer);
      resolve({ status, signal, error, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    };
    child.on('close', (status, signal) => end(status, signal));
    child.on('error', (e) => end(null, null, e));
  });
}

/** how a process ended, for messages: a timeout shows as SIGKILL */
function ending(r: Ended): string {
  return r.error ? `with ${r.error.message}` : r.signal ? `by ${r.signal}` : `with exit ${r.status}`;
}

interface Paths { src: string; rsync: string; barge: string; list?: string }

async function rsyncRun(c: DiffCase, p: Paths): Promise<void> {
  const args = ['-a', ...(c.rsyncFlags ?? []), ...c.flags, ...(p.list ? ['--files-from', p.list] : []), `${p.src}/`, `${p.rsync}/`];
  const r = await underUmask(c, ['rsync', ...args]);
  assert.equal(r.status, c.exits?.rsync ?? 0, `rsync ${args.join(' ')} ended ${ending(r)}: ${r.stderr}`);
}

interface Summary { status: string; [counter: string]: unknown }

async function bargeRun(c: DiffCase, p: Paths): Promise<Summary> {
  const args = ['sync', '--json', '--no-progress', ...(c.bargeFlags ?? []), ...c.flags, ...(p.list ? ['--files-from', p.list] : []), p.src, p.barge];
  const r = await underUmask(c, [process.execPath, BARGE_MAIN, ...args]);
  assert.equal(r.status, c.exits?.barge ?? 0, `barge ${args.join(' ')} ended ${ending(r)}: ${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as Summary;
  } catch {
    return assert.fail(`barge ${args.join(' ')} ended ${ending(r)} without a JSON summary: stdout ${JSON.stringify(r.stdout)}, stderr ${r.stderr}`);
  }
}

const utf8Path = (d: Difference): string => Buffer.from(d.key, 'latin1').toString('utf8');

function explained(d: Difference, known: KnownDifference[]): KnownDifference | undefined {
  return known.find((k) => k.field === d.field && k.path.test(utf8Path(d)));
}

/** what a no-op run may not do: every action counter of the summary must be zero */
const ACTIONS = ['filesCopied', 'bytesCopied', 'metaUpdated', 'dirsCreated', 'symlinksMade', 'hardlinksMade', 'deleted', 'failed'];

// two cases at a time: most of a case is waiting for processes
describe('rsync -a and barge sync, case by case', { concurrency: 2 }, () => {
  for (const [i, c] of CASES.entries()) {
    const skip = noRsync ?? (c.needsRoot && !asRoot && !ci ? `needs root (${c.name})` : undefined);
    test(`rsync -a ${[...(c.rsyncFlags ?? []), ...c.flags].join(' ')} and barge agree: ${c.name}`, { skip, todo: c.bug }, async (t) => {
      let lap = Date.now();
      const took = (what: string): void => { t.diagnostic(`${what} ${Date.now() - lap} ms`); lap = Date.now(); };
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
      if (c.asNobody) {
        // nobody makes the destinations and owns what is in them, as after an earlier run of its own
        fs.chmodSync(dir, 0o755);
        for (const d of [dir, p.rsync, p.barge]) if (fs.existsSync(d)) spawnSync('chown', ['-R', '-h', `${NOBODY}:${NOBODY}`, d]);
        assert.equal(spawnSync(AS_NOBODY[0] as string, [...AS_NOBODY.slice(1), 'true']).status, 0, 'setpriv cannot run as nobody');
      }
      if (c.filesFrom) {
        p.list = path.join(dir, 'files-from');
        fs.writeFileSync(p.list, c.filesFrom);
      }
      if (c.change) {
        await rsyncRun(c, p);
        await bargeRun(c, p);
        c.change(p.src);
      }
      took('set-up');
      await rsyncRun(c, p);
      took('rsync');
      const summary = await bargeRun(c, p);
      took('barge');
      assert.equal(summary.status, c.exits ? 'failed' : 'ok');

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

      took('listings');
      const before = snapshotTree(p.barge, { ctime: true });
      const again = await bargeRun(c, p);
      took('barge again');
      // a run that fails (exits) fails the same way again, and does nothing else
      const done = ACTIONS.filter((k) => again[k] !== 0 && !(c.exits && k === 'failed')).map((k) => `${k}=${String(again[k])}`);
      assert.deepEqual(done, [], `${c.name}: a second barge run must do nothing`);
      assert.deepEqual(diffSnapshots(before, snapshotTree(p.barge, { ctime: true })), [],
        `${c.name}: a second barge run touched entries`);
    });
  }
});

// rsync compares whole seconds before it sets a time: a directory, symlink or device it
// makes keeps rsync's own time when the source's falls in the same second (README:
// Differences from rsync). The source's times are put at the end of the current second;
// whenever rsync is done within that second, its copy must show the difference, and
// barge's copy must have the source's times in any case.
test('times in the run\'s own second: barge sets the source\'s, rsync keeps its own', { skip: noRsync }, async (t) => {
  assert.ok(hasRsync, 'rsync is needed: apt-get install -y rsync');
  const dir = path.join(work, 'same-second');
  const p: Paths = { src: path.join(dir, 'src'), rsync: path.join(dir, 'dst-rsync'), barge: path.join(dir, 'dst-barge') };
  fs.mkdirSync(path.join(p.src, 'd'), { recursive: true });
  fs.writeFileSync(path.join(p.src, 'd', 'f'), 'f\n');
  fs.symlinkSync('d/f', path.join(p.src, 'l'));
  // start early in a second, so that rsync has most of it
  while (Date.now() % 1000 > 200) await new Promise((r) => setTimeout(r, 20));
  const endOfSecond = BigInt(Math.floor(Date.now() / 1000)) * 1_000_000_000n + 999_999_999n;
  setTimesNs([[path.join(p.src, 'd', 'f'), endOfSecond], [path.join(p.src, 'l'), endOfSecond],
    [path.join(p.src, 'd'), endOfSecond], [p.src, endOfSecond]]);
  const plain: DiffCase = { name: 'same second', intent: '', flags: [], src: () => {} };
  await rsyncRun(plain, p);
  const rsyncInTime = BigInt(Date.now()) * 1_000_000n <= endOfSecond;
  await bargeRun(plain, p);

  const source = listTree(p.src);
  const bargeTimes = compareListings(source, listTree(p.barge), ['source', 'barge']).map((d) => d.line);
  assert.deepEqual(bargeTimes, [], 'barge keeps the source\'s times');
  const rsyncTimes = compareListings(source, listTree(p.rsync), ['source', 'rsync']).map((d) => `${d.field} ${utf8Path(d)}`);
  if (!rsyncInTime) t.diagnostic('rsync ran past the second: its difference cannot be asserted this time');
  // the file is written to a temporary name and always gets its time; the others are made in place
  else assert.deepEqual(rsyncTimes, ['mtime ', 'mtime d', 'mtime l'], 'rsync keeps its own times (README: Differences from rsync)');
});
