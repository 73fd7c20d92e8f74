// Two service requests of different sources into one destination at once (issue 25): the
// second one's prepare takes the large file's partial over; the first must fail, not
// commit a mix. Afterwards the destination is exactly one source and nothing is left.
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
    const journal = (): number => {
      const d = path.join(dst, 'D');
      const j = fs.existsSync(d) ? fs.readdirSync(d).find((n) => n.endsWith('.part.log')) : undefined;
      try { return j ? fs.readFileSync(path.join(d, j), 'utf8').split('\n').filter((l) => l.startsWith('chunk ')).length : 0; } catch { return 0; }
    };
    const a = await submit('A');
    await waitUntil(() => journal() >= 2, 60_000);
    const b = await submit('B');
    const watch = (id: string) => runBarge(['watch', id, '--server', s.url], { env: { BARGE_TOKEN: ADMIN_SECRET }, timeoutMs: 300_000 });
    const [wa, wb] = await Promise.all([watch(a), watch(b)]);
    const got = sha256(path.join(dst, 'D', 'big'));
    assert.ok(got === want.A || got === want.B, `the destination is one source, not a mix (watch exit codes: A ${wa.code}, B ${wb.code})`);
    const [winner, loser, loserId] = got === want.A ? [wa, wb, b] : [wb, wa, a];
    assert.equal(winner.code, 0, `the request whose file is there succeeds: ${winner.stdout}`);
    assert.notEqual(loser.code, 0, `the other request fails: ${loser.stdout} ${loser.stderr} | winner: ${winner.stdout}`);
    const errors = (await s.api<{ items: { code: string; message: string }[] }>('GET', `/api/requests/${loserId}/errors`)).body.items;
    assert.ok(errors.some((e) => e.code === 'E_CHANGED' && /another run took over this partial file/.test(e.message)), JSON.stringify(errors));
    assert.deepEqual(fs.readdirSync(path.join(dst, 'D')).filter((n) => n.startsWith('.barge-')), [], 'no partial or temporary file left');
  } finally {
    await stopService(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
