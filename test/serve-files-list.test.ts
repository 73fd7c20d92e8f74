// A service request with a file list, run by the built-in agent's worker threads (the list
// reaches them as shared memory, not with every task): only the listed files and the
// subtrees of listed directories land. Real process, real files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { runBarge } from './helpers/run-cli.js';
import { ADMIN_SECRET, makeSmallTree, startService, stopService, writeServiceConfig } from './helpers/service.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-list-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function filesUnder(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...filesUnder(root, r)); else out.push(r);
  }
  return out.sort();
}

test('a request with a file list copies what it lists, through the worker threads', async () => {
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  makeSmallTree(src, 6, 30);
  fs.mkdirSync(dst);
  const all = filesUnder(src);
  const listed = [all[0], all[7], all[40]] as string[];
  const wholeDir = 'd001';
  const list = path.join(dir, 'list.txt');
  fs.writeFileSync(list, [...listed, wholeDir].join('\n') + '\n');
  const svc = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory', '--transfers', '2']);
  try {
    const env = { BARGE_TOKEN: ADMIN_SECRET };
    const sub = await runBarge(['submit', 'src:/', 'dst:/', '--files-from', list, '--server', svc.url], { env });
    assert.equal(sub.code, 0, sub.stderr);
    const w = await runBarge(['watch', sub.stdout.trim(), '--server', svc.url], { env, timeoutMs: 120_000 });
    assert.equal(w.code, 0, w.stdout + w.stderr);
    const want = [...new Set([...listed, ...all.filter((f) => f.startsWith(`${wholeDir}/`))])].sort();
    assert.deepEqual(filesUnder(dst), want);
    for (const f of want) assert.ok(fs.readFileSync(path.join(dst, f)).equals(fs.readFileSync(path.join(src, f))), f);
  } finally {
    await stopService(svc);
  }
});
