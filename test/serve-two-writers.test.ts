// Two service requests of different sources into one destination at once (issue 25): the
// second one's prepare takes the large file's partial over; the first must fail, not
// commit a mix. Afterwards the destination is exactly one source and nothing is left.
// The first is paused between its chunks until the second has taken the partial over, and
// then both run: without the pause, a slow machine could let the first finish before the
// second started, and there would be no takeover to see.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { patternBytes } from './helpers/odd-tree.js';
import { runBarge, waitUntil } from './helpers/run-cli.js';
import { ADMIN_SECRET, startService, stopService, writeServiceConfig } from './helpers/service.js';

const MiB = 1024 * 1024;
const sha256 = (p: string): string => createHash('sha256').update(fs.readFileSync(p)).digest('hex');

test('two requests of different sources into one destination: one lands whole, the other fails', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-serve-2w-'));
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  for (const [name, seed] of [['A', 'writer-a'], ['B', 'writer-b']] as const) {
    fs.mkdirSync(path.join(src, name), { recursive: true });
    fs.writeFileSync(path.join(src, name, 'big'), patternBytes(seed, 48 * MiB));
  }
  fs.mkdirSync(dst);
  const want = { A: sha256(path.join(src, 'A', 'big')), B: sha256(path.join(src, 'B', 'big')) };
  // 1 MiB chunks (a quarter of the cut-off), each task held 100 ms, two at once: ~2.5 s of chunks a request
  const env = { BARGE_TEST_CHUNK_CUTOFF: String(4 * MiB), BARGE_TEST_TASK_DELAY_MS: '100' };
  const s = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory', '--transfers', '2'], { env });
  try {
    const submit = async (from: string): Promise<string> => {
      const r = await runBarge(['submit', `src:/${from}`, 'dst:/D', '--server', s.url], { env: { BARGE_TOKEN: ADMIN_SECRET } });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    /** the partial's journal: its owner (the run that prepared it last) and how many chunks it records */
    const journal = (): { owner?: string; chunks: number } => {
      const d = path.join(dst, 'D');
      const j = fs.existsSync(d) ? fs.readdirSync(d).find((n) => n.endsWith('.part.log')) : undefined;
      try {
        const lines = j ? fs.readFileSync(path.join(d, j), 'utf8').split('\n') : [];
        const owner = /^owner (\S+)$/.exec(lines[1] ?? '')?.[1];
        return { ...(owner === undefined ? {} : { owner }), chunks: lines.filter((l) => l.startsWith('chunk ')).length };
      } catch { return { chunks: 0 }; }
    };
    const action = async (id: string, what: string): Promise<void> => {
      const r = await s.api('POST', `/api/requests/${id}/${what}`);
      assert.equal(r.status, 200, `${what} ${id}: ${JSON.stringify(r.body)}`);
    };
    const a = await submit('A');
    await waitUntil(() => journal().chunks >= 2, 60_000);
    await action(a, 'pause');
    const ownerOfA = journal().owner;
    assert.ok(ownerOfA, 'the partial names its owner');
    const b = await submit('B');
    await waitUntil(() => { const o = journal().owner; return o !== undefined && o !== ownerOfA; }, 60_000);
    await action(a, 'resume');
    const watch = (id: string) => runBarge(['watch', id, '--server', s.url], { env: { BARGE_TOKEN: ADMIN_SECRET }, timeoutMs: 300_000 });
    const [wa, wb] = await Promise.all([watch(a), watch(b)]);
    assert.equal(sha256(path.join(dst, 'D', 'big')), want.B, `the destination is the source that took the partial over, not a mix (watch exit codes: A ${wa.code}, B ${wb.code})`);
    assert.equal(wb.code, 0, `the request whose file is there succeeds: ${wb.stdout} ${wb.stderr}`);
    assert.notEqual(wa.code, 0, `the other request fails: ${wa.stdout} ${wa.stderr}`);
    const errors = (await s.api<{ items: { code: string; message: string }[] }>('GET', `/api/requests/${a}/errors`)).body.items;
    assert.ok(errors.some((e) => e.code === 'E_CHANGED' && /another run took over this partial file/.test(e.message)), JSON.stringify(errors));
    assert.deepEqual(fs.readdirSync(path.join(dst, 'D')).filter((n) => n.startsWith('.barge-')), [], 'no partial or temporary file left');
  } finally {
    await stopService(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
