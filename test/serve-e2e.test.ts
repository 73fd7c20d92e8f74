// End to end through real processes: `barge serve` on SQLite and on PostgreSQL moves a
// 20,000-file tree with --delete, submitted and watched with the CLI client; survives
// kill -9 in the middle; and two coordinators on one PostgreSQL share a request's tasks
// without doing any twice.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Client as PgClient } from 'pg';
import { diffTrees } from './helpers/tree-diff.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './helpers/postgres-db.js';
import { runBarge } from './helpers/run-cli.js';
import { ADMIN_SECRET, leftovers, makeSmallTree, startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';

interface View { id: string; state: string; files: { found: number; copied: number; toCopy: number; deleted: number; failed: number }; errorCount: number }

const DIRS = 100;
const PER_DIR = 200;

function setup(tag: string): { dir: string; src: string; dst: string; files: number; config: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `barge-serve-${tag}-`));
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  const files = makeSmallTree(src, DIRS, PER_DIR);
  // stale things for --delete: an extra file, an extra tree, a file where the source has a directory
  fs.mkdirSync(path.join(dst, 'gone', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(dst, 'gone', 'deep', 'x'), 'x');
  fs.writeFileSync(path.join(dst, 'extra.txt'), 'extra');
  fs.writeFileSync(path.join(dst, 'd001'), 'in the way');
  // and a non-empty directory where the source has a file: emptied in the delete pass, then the file lands
  fs.mkdirSync(path.join(dst, 'd002', 'f0.dat', 'old'), { recursive: true });
  fs.writeFileSync(path.join(dst, 'd002', 'f0.dat', 'old', 'x'), 'x');
  return { dir, src, dst, files, config: writeServiceConfig(dir, src, dst) };
}

async function submit(s: Service, extra: string[] = []): Promise<string> {
  const r = await runBarge(['submit', 'src:/', 'dst:/', '--delete', '--server', s.url, ...extra], { env: { BARGE_TOKEN: ADMIN_SECRET } });
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^[A-Za-z0-9._-]+$/);
  return id;
}

async function watch(s: Service, id: string): Promise<void> {
  const w = await runBarge(['watch', id, '--server', s.url], { env: { BARGE_TOKEN: ADMIN_SECRET }, timeoutMs: 300_000 });
  assert.equal(w.code, 0, `watch: ${w.stdout}\n${w.stderr}`);
}

function taskLog(file: string, text = fs.readFileSync(file, 'utf8')): Map<string, string[]> {
  const runs = new Map<string, string[]>();
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const [task = '', agent = ''] = line.split(' ');
    runs.set(task, [...(runs.get(task) ?? []), agent]);
  }
  return runs;
}

/** the ids of the tasks the database holds as leased, read without barge's code */
async function leasedTasks(stateDir: string, url: string): Promise<string[]> {
  const q = "SELECT id FROM tasks WHERE state = 'leased' ORDER BY id";
  if (!url) {
    const db = new Database(path.join(stateDir, 'barge.sqlite'), { readonly: true });
    try { return (db.prepare(q).all() as { id: number }[]).map((r) => String(r.id)); } finally { db.close(); }
  }
  const c = new PgClient({ connectionString: url });
  await c.connect();
  try { return (await c.query<{ id: string }>(q)).rows.map((r) => String(r.id)); } finally { await c.end(); }
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

function engines(): { name: string; db: () => Promise<string> }[] {
  return [
    { name: 'SQLite', db: () => Promise.resolve('') },
    {
      name: 'PostgreSQL', db: async () => {
        const d = await createTestDatabase('serve') as TestDatabase;
        cleanups.push(() => d.drop());
        return d.url;
      },
    },
  ];
}

const pg = await createTestDatabase('probe');
await pg?.drop();

for (const engine of engines()) {
  const skip = engine.name === 'PostgreSQL' && !pg ? pgSkipReason() : undefined;
  void describe(`barge serve on ${engine.name}`, { skip }, () => {
    void test('moves a 20,000-file tree with --delete; the tree ends identical and the manifest lists every file', async () => {
      const t = setup('e2e');
      const url = await engine.db();
      const s = await startService(['--config', t.config, '--state-dir', path.join(t.dir, 'state'), ...(url ? ['--db', url] : [])]);
      try {
        const id = await submit(s);
        await watch(s, id);
        assert.deepEqual(diffTrees(t.src, t.dst), []);
        const v = (await s.api<View>('GET', `/api/requests/${id}`)).body;
        assert.equal(v.state, 'succeeded');
        assert.equal(v.files.copied, t.files);
        assert.equal(v.files.found, t.files, 'each file found once, also in the directory scanned again after the delete pass');
        assert.equal(v.errorCount, 0);
        assert.ok(v.files.deleted >= 6, `deleted ${v.files.deleted}`);
        const m = (await s.api<{ total: number; items: { path: string; hash: string }[] }>('GET', `/api/requests/${id}/manifest?limit=5`)).body;
        assert.equal(m.total, t.files);
        assert.match(m.items[0]?.hash ?? '', /^xxh3:[0-9a-f]+$/);
      } finally {
        await stopService(s);
        fs.rmSync(t.dir, { recursive: true, force: true });
      }
    });

    void test('kill -9 mid-request, start again: it finishes, identical, no temporary file, counters add up, only in-flight tasks ran twice', async () => {
      const t = setup('kill');
      const url = await engine.db();
      const log = path.join(t.dir, 'tasks.log');
      const args = ['--config', t.config, '--state-dir', path.join(t.dir, 'state'), '--name', 'coord', '--transfers', '2', ...(url ? ['--db', url] : [])];
      const env = { BARGE_TEST_TASK_LOG: log, BARGE_TEST_TASK_DELAY_MS: '20' };
      const first = await startService(args, { env });
      let second: Service | undefined;
      try {
        const id = await submit(first);
        let copied = 0;
        for (;;) {
          copied = (await first.api<View>('GET', `/api/requests/${id}`)).body.files.copied;
          if (copied > 4000) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        first.proc.kill('SIGKILL');
        await first.proc.done;
        // held at the kill: leased in the database. A lease can commit and the process die
        // before it logs the task, so the first run's log is not the measure of what was held.
        const held = await leasedTasks(path.join(t.dir, 'state'), url);
        const firstRun = fs.readFileSync(log, 'utf8');
        second = await startService(args, { env: { BARGE_TEST_TASK_LOG: log } });
        const requeued = Number(/(\d+) task\(s\) held by the previous run/.exec(second.proc.output().stderr)?.[1] ?? '0');
        assert.equal(requeued, held.length, `the restart queues again what the database held: ${held.join(' ')}`);
        await watch(second, id);
        assert.deepEqual(diffTrees(t.src, t.dst), []);
        assert.deepEqual(leftovers(t.dst), []);
        const v = (await second.api<View>('GET', `/api/requests/${id}`)).body;
        assert.equal(v.state, 'succeeded');
        assert.equal(v.files.toCopy, t.files, 'each file counted once to copy');
        assert.equal(v.files.copied, t.files, 'each file counted once as copied');
        const all = fs.readFileSync(log, 'utf8');
        const [firstRunTasks, secondRunTasks] = [taskLog(log, firstRun), taskLog(log, all.slice(firstRun.length))];
        const twice = [...taskLog(log, all).entries()].filter(([, agents]) => agents.length > 1).map(([task]) => task).sort();
        const heldAndStarted = held.filter((task) => firstRunTasks.has(task)).sort();
        assert.deepEqual(twice, heldAndStarted, `tasks run twice must be exactly those held at the kill that the first run had taken (held: ${held.join(' ')})`);
        assert.deepEqual(held.filter((task) => !secondRunTasks.has(task)), [], 'every task held at the kill ran again');
        assert.ok(requeued <= 2 + 32, 'no more in flight than slots and unreported results');
      } finally {
        if (first.proc.exitCode === null) first.proc.kill('SIGKILL');
        if (second) await stopService(second);
        fs.rmSync(t.dir, { recursive: true, force: true });
      }
    });
  });
}

void describe('two coordinators on one PostgreSQL', { skip: pg ? undefined : pgSkipReason() }, () => {
  void test("share one request's tasks and do none twice", async () => {
    const t = setup('two');
    const db = await createTestDatabase('two') as TestDatabase;
    cleanups.push(() => db.drop());
    const log = path.join(t.dir, 'tasks.log');
    const env = { BARGE_TEST_TASK_LOG: log, BARGE_TEST_TASK_DELAY_MS: '5' };
    const a = await startService(['--config', t.config, '--db', db.url, '--name', 'coord-a'], { env });
    const b = await startService(['--config', t.config, '--db', db.url, '--name', 'coord-b'], { env });
    try {
      const id = await submit(a);
      await watch(b, id);
      assert.deepEqual(diffTrees(t.src, t.dst), []);
      const runs = taskLog(log);
      const twice = [...runs.entries()].filter(([, agents]) => agents.length > 1);
      assert.deepEqual(twice, [], 'no task ran twice');
      const byAgent = new Map<string, number>();
      for (const [, [agent = '']] of runs) byAgent.set(agent, (byAgent.get(agent) ?? 0) + 1);
      assert.deepEqual([...byAgent.keys()].sort(), ['coord-a/local', 'coord-b/local'], 'both coordinators ran tasks');
      const v = (await a.api<View>('GET', `/api/requests/${id}`)).body;
      assert.equal(v.files.copied, t.files);
    } finally {
      await stopService(a);
      await stopService(b);
      fs.rmSync(t.dir, { recursive: true, force: true });
    }
  });
});
