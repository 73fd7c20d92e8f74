// A canceled request's partial large files (.barge-*.part and .part.log beside each file) are
// removed by the agents, with the built-in agent and with agents under a coordinator; with
// keepPartial (at submit, or at cancel) they stay, and a retry resumes them (bytes resumed
// above 0) and ends with an identical tree and nothing of barge's own left behind.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { patternBytes } from './helpers/odd-tree.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './helpers/postgres-db.js';
import { runBarge, waitUntil, waitUntilAsync, type BargeProcess } from './helpers/run-cli.js';
import { coordinatedConfig, startCoordinatedAgent } from './helpers/coordinated-agents.js';
import { ADMIN_SECRET, leftovers, startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';
import { diffTrees } from './helpers/tree-diff.js';

interface View { id: string; state: string; bytes: { copied: number; resumed: number } }

const db: TestDatabase | undefined = await createTestDatabase('cancelparts');
const pgSkip = db ? undefined : pgSkipReason();
let work = '';
before(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-cancel-parts-')); });
after(async () => {
  await db?.drop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** 4 MiB cut-off, so 1 MiB chunks: four files of 8 MiB are 32 chunks, each task held a while */
const CUTOFF = String(4 << 20);
const BIG = ['a.bin', 'b.bin', 'c.bin', 'd.bin'];

function makeBigTree(root: string): void {
  fs.mkdirSync(path.join(root, 'big'), { recursive: true });
  for (const name of BIG) fs.writeFileSync(path.join(root, 'big', name), patternBytes(name, 8 << 20));
  fs.writeFileSync(path.join(root, 'small.txt'), 'small');
}

const partials = (root: string): string[] => (fs.existsSync(root) ? leftovers(root).filter((n) => n.endsWith('.part')) : []);

async function submit(svc: Service, src: string, dst: string, extra: string[] = []): Promise<string> {
  const r = await runBarge(['submit', src, dst, '--server', svc.url, ...extra], { env: { BARGE_TOKEN: ADMIN_SECRET } });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/**
 * cancels once every big file has its partial and some chunks landed in it: through the API,
 * or with `barge cancel` and its flags. The request is paused first (one HTTP call), so only
 * the tasks in flight then go on: a slow `barge cancel` start cannot let the copies finish.
 */
async function cancelMidCopy(svc: Service, id: string, dstRoot: string, cli?: string[]): Promise<void> {
  await waitUntilAsync(async () => partials(dstRoot).length === BIG.length && (await svc.api<View>('GET', `/api/requests/${id}`)).body.bytes.copied > 0, 60_000, 50);
  assert.equal((await svc.api<View>('POST', `/api/requests/${id}/pause`)).status, 200);
  if (cli) {
    const r = await runBarge(['cancel', id, '--server', svc.url, ...cli], { env: { BARGE_TOKEN: ADMIN_SECRET } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /canceled/);
  } else {
    assert.equal((await svc.api<View>('POST', `/api/requests/${id}/cancel`)).status, 200);
  }
  assert.ok(BIG.some((name) => !fs.existsSync(path.join(dstRoot, 'big', name))), 'the cancel came while large files were still being copied');
}

/** each big file that had not landed when the cancel settled still has its partial */
function partialsKept(dstRoot: string, why: string): void {
  const unlanded = BIG.filter((name) => !fs.existsSync(path.join(dstRoot, 'big', name)));
  assert.ok(unlanded.length > 0, `${why}: the cancel came while large files were still being copied`);
  const kept = partials(dstRoot).length;
  assert.equal(kept, unlanded.length, `${why}: ${kept} partial(s) for ${unlanded.length} file(s) not landed`);
}

async function noLeftovers(root: string): Promise<void> {
  await waitUntil(() => leftovers(root).length === 0, 60_000, 100).catch(() => undefined);
  assert.deepEqual(leftovers(root), [], 'the partial files of a canceled request are removed');
}

async function retryResumes(svc: Service, id: string, src: string, dst: string): Promise<void> {
  const env = { BARGE_TOKEN: ADMIN_SECRET };
  assert.equal((await runBarge(['retry', id, '--server', svc.url], { env })).code, 0);
  const w = await runBarge(['watch', id, '--server', svc.url], { env, timeoutMs: 300_000 });
  assert.equal(w.code, 0, w.stdout + w.stderr);
  const v = (await svc.api<View>('GET', `/api/requests/${id}`)).body;
  assert.equal(v.state, 'succeeded');
  assert.ok(v.bytes.resumed > 0, `the retry resumed the kept partials: ${JSON.stringify(v.bytes)}`);
  assert.deepEqual(diffTrees(src, dst), []);
  assert.deepEqual(leftovers(dst), []);
}

test('built-in agent: cancel removes the partials; keepPartial at submit or at cancel keeps them and retry resumes them', async () => {
  const dir = path.join(work, 'local');
  const [src, dst] = [path.join(dir, 'src'), path.join(dir, 'dst')];
  makeBigTree(src);
  fs.mkdirSync(dst);
  const svc = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory', '--transfers', '2'],
    { env: { BARGE_TEST_CHUNK_CUTOFF: CUTOFF, BARGE_TEST_TASK_DELAY_MS: '300' } });
  try {
    const plain = await submit(svc, 'src:/', 'dst:/plain');
    await cancelMidCopy(svc, plain, path.join(dst, 'plain'));
    await noLeftovers(path.join(dst, 'plain'));
    assert.equal((await svc.api<View>('GET', `/api/requests/${plain}`)).body.state, 'canceled');

    const keptAtSubmit = await submit(svc, 'src:/', 'dst:/kept-at-submit', ['--keep-partial']);
    await cancelMidCopy(svc, keptAtSubmit, path.join(dst, 'kept-at-submit'));
    const keptAtCancel = await submit(svc, 'src:/', 'dst:/kept-at-cancel');
    await cancelMidCopy(svc, keptAtCancel, path.join(dst, 'kept-at-cancel'), ['--keep-partial']);
    // nothing is to remove them: they are still there once the cancels have long settled
    await new Promise((r) => setTimeout(r, 1500));
    partialsKept(path.join(dst, 'kept-at-submit'), 'kept (submitted with --keep-partial)');
    partialsKept(path.join(dst, 'kept-at-cancel'), 'kept (canceled with --keep-partial)');

    await retryResumes(svc, keptAtSubmit, src, path.join(dst, 'kept-at-submit'));
    await retryResumes(svc, keptAtCancel, src, path.join(dst, 'kept-at-cancel'));
  } finally {
    await stopService(svc);
  }
});

test('agents under a coordinator: the destination agent removes a canceled request\'s partials', { skip: pgSkip }, async () => {
  const dir = path.join(work, 'agents');
  const [panda, badger] = [path.join(dir, 'a/panda'), path.join(dir, 'b/badger')];
  makeBigTree(panda);
  fs.mkdirSync(badger, { recursive: true });
  const svc = await startService(['--config', coordinatedConfig(dir), '--db', (db as TestDatabase).url, '--no-local-agent', '--lease-timeout', '5s'],
    { env: { BARGE_TEST_CHUNK_CUTOFF: CUTOFF } });
  const agents: BargeProcess[] = [];
  try {
    agents.push(await startCoordinatedAgent(svc.url, 'cp-a1', 'a', `panda=${panda}`, { BARGE_TEST_TASK_DELAY_MS: '150' }));
    agents.push(await startCoordinatedAgent(svc.url, 'cp-b1', 'b', `badger=${badger}:rw`));
    const id = await submit(svc, 'panda:/', 'badger:/copy');
    await cancelMidCopy(svc, id, path.join(badger, 'copy'));
    await noLeftovers(path.join(badger, 'copy'));
    assert.equal((await svc.api<View>('GET', `/api/requests/${id}`)).body.state, 'canceled');
  } finally {
    for (const a of agents) if (a.exitCode === null) a.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.done));
    await stopService(svc);
  }
});
