// Two runs that write one large file at once (issue 25): each prepares the same partial;
// the second takes it over, and the first must not go on writing into it or commit it.
// Afterwards the destination is exactly one source, the other run fails with a clear
// error, and nothing of barge's own is left beside it. Locally and through one agent.
// The first run is stopped (SIGSTOP) between its chunks until the second has taken the
// partial over, then both run: on a loaded machine the first could otherwise finish before
// the second has started, and there would be no takeover to see.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AGENT_TOKEN, startLoneAgent } from './helpers/lone-agent.js';
import { patternBytes } from './helpers/odd-tree.js';
import { startBarge, waitUntil, type BargeProcess, type RunResult } from './helpers/run-cli.js';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
// 1 MiB chunks at 24 MiB/s each: ~3 s a run
const FLAGS = ['--chunk-cutoff', '1M', '--chunk-size', '1M', '--transfers', '2', '--bwlimit', '24M'];

let work: string;
before(() => { work = mkdtempSync(join(tmpdir(), 'barge-2w-')); });
after(() => rmSync(work, { recursive: true, force: true }));

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** the partial's journal: its owner (the run that prepared it last) and how many chunks it records */
function journal(dir: string): { owner?: string; chunks: number } {
  const j = existsSync(dir) ? readdirSync(dir).find((n) => n.endsWith('.part.log')) : undefined;
  try {
    const lines = j ? readFileSync(join(dir, j), 'utf8').split('\n') : [];
    const owner = /^owner (\S+)$/.exec(lines[1] ?? '')?.[1];
    return { ...(owner === undefined ? {} : { owner }), chunks: lines.filter((l) => l.startsWith('chunk ')).length };
  } catch { return { chunks: 0 }; }
}

/** starts run B while A is stopped, and lets A go on once B has taken the partial over */
async function takeOver(a: BargeProcess, dst: string, startB: () => BargeProcess): Promise<BargeProcess> {
  await waitUntil(() => journal(dst).chunks >= 4, 30_000);
  a.kill('SIGSTOP');
  try {
    const ownerOfA = journal(dst).owner;
    assert.ok(ownerOfA, 'the partial names its owner');
    const b = startB();
    await waitUntil(() => { const o = journal(dst).owner; return o !== undefined && o !== ownerOfA; }, 60_000);
    return b;
  } finally {
    a.kill('SIGCONT');
  }
}

/** two sources of one file name, of the same size, different bytes */
function twoSources(name: string): { a: string; b: string; hashA: string; hashB: string } {
  const a = join(work, name, 'A');
  const b = join(work, name, 'B');
  mkdirSync(a, { recursive: true });
  mkdirSync(b, { recursive: true });
  writeFileSync(join(a, 'big'), patternBytes('writer-a', SIZE));
  writeFileSync(join(b, 'big'), patternBytes('writer-b', SIZE));
  return { a, b, hashA: sha256(join(a, 'big')), hashB: sha256(join(b, 'big')) };
}

function checkOutcome(dst: string, s: ReturnType<typeof twoSources>, ra: RunResult, rb: RunResult): void {
  assert.equal(sha256(join(dst, 'big')), s.hashB, `the destination is the source that took the partial over, not a mix of both (exit codes: A ${ra.code}, B ${rb.code})`);
  assert.equal(rb.code, 0, `the run whose file is there succeeds: ${rb.stderr}`);
  assert.notEqual(ra.code, 0, 'the other run fails');
  assert.match(ra.stderr, /another run took over this partial file/);
  assert.deepEqual(readdirSync(dst).filter((n) => n.startsWith('.barge-')), [], 'no partial or temporary file left');
}

test('two syncs of different sources into one destination: one wins whole, the other fails', async () => {
  const s = twoSources('local');
  const dst = join(work, 'local', 'D');
  const pa = startBarge(['sync', ...FLAGS, s.a, dst]);
  const pb = await takeOver(pa, dst, () => startBarge(['sync', ...FLAGS, s.b, dst]));
  const [ra, rb] = await Promise.all([pa.done, pb.done]);
  checkOutcome(dst, s, ra, rb);
});

test('two pushes of different sources to one agent: one wins whole, the other fails', async () => {
  const s = twoSources('agent');
  const inbox = join(work, 'agent', 'inbox');
  mkdirSync(inbox);
  const agent = await startLoneAgent(join(work, 'agent'), [`inbox=${inbox}:rw`]);
  try {
    const env = { BARGE_TOKEN: AGENT_TOKEN };
    const dst = join(inbox, 'D');
    const pa = startBarge(['sync', ...FLAGS, s.a, agent.url('inbox', 'D')], { env });
    const pb = await takeOver(pa, dst, () => startBarge(['sync', ...FLAGS, s.b, agent.url('inbox', 'D')], { env }));
    const [ra, rb] = await Promise.all([pa.done, pb.done]);
    checkOutcome(dst, s, ra, rb);
  } finally {
    await agent.stop();
  }
});
