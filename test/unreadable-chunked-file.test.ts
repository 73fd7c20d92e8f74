// A large (chunked) source file that cannot be read: one failed file, E_PERMISSION, and no
// partial left in the destination, by `barge sync` and through `barge serve`; the other
// files land. File modes do not stop root, so as root the runs are made as nobody.
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { runBarge, type RunOptions } from './helpers/run-cli.js';
import { ADMIN_SECRET, leftovers, startService, stopService, writeServiceConfig } from './helpers/service.js';

const NOBODY = 65534;
const user: RunOptions['user'] = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-unreadable-'));
fs.chmodSync(dir, 0o755);
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** src with a readable and an unreadable 3 MiB file and a small one; an empty dst the runner can write */
function makeTrees(name: string): { src: string; dst: string } {
  const src = path.join(dir, name, 'src');
  const dst = path.join(dir, name, 'dst');
  fs.mkdirSync(src, { recursive: true });
  fs.mkdirSync(dst);
  fs.writeFileSync(path.join(src, 'readable.bin'), crypto.randomBytes(3 << 20));
  fs.writeFileSync(path.join(src, 'unreadable.bin'), crypto.randomBytes(3 << 20));
  fs.writeFileSync(path.join(src, 'small.txt'), 'small\n');
  fs.chmodSync(path.join(src, 'unreadable.bin'), 0o000);
  for (const d of [path.join(dir, name), src, dst]) fs.chmodSync(d, 0o755);
  if (user) fs.chownSync(dst, user.uid, user.gid);
  return { src, dst };
}

function sameBytes(a: string, b: string): boolean {
  return fs.readFileSync(a).equals(fs.readFileSync(b));
}

test('barge sync: an unreadable chunked file is one failure, E_PERMISSION, with no partial left', async () => {
  const { src, dst } = makeTrees('sync');
  const r = await runBarge(['sync', '--chunk-cutoff', '1M', '--chunk-size', '1M', src, dst], { ...(user ? { user } : {}) });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /failed 1\b/);
  assert.equal((r.stdout + r.stderr).match(/E_PERMISSION: unreadable\.bin/g)?.length, 2, 'named once as it happens and once in the summary');
  assert.deepEqual(leftovers(dst), []);
  assert.deepEqual(fs.readdirSync(dst).sort(), ['readable.bin', 'small.txt']);
  assert.ok(sameBytes(path.join(src, 'readable.bin'), path.join(dst, 'readable.bin')));
});

test('barge serve: an unreadable chunked file is one failed file of the request, with no partial left', async () => {
  const { src, dst } = makeTrees('serve');
  const state = path.join(dir, 'serve', 'state');
  fs.mkdirSync(state, { mode: 0o700 });
  if (user) fs.chownSync(state, user.uid, user.gid);
  const config = writeServiceConfig(path.join(dir, 'serve'), src, dst);
  fs.chmodSync(config, 0o644);
  const svc = await startService(['--config', config, '--state-dir', state],
    { env: { BARGE_TEST_CHUNK_CUTOFF: String(1 << 20) }, ...(user ? { user } : {}) });
  try {
    const env = { BARGE_TOKEN: ADMIN_SECRET };
    const sub = await runBarge(['submit', 'src:/', 'dst:/', '--server', svc.url], { env });
    assert.equal(sub.code, 0, sub.stderr);
    const id = sub.stdout.trim();
    const w = await runBarge(['watch', id, '--server', svc.url], { env, timeoutMs: 120_000 });
    assert.notEqual(w.code, 0, 'the request failed');
    const view = await svc.api<{ state: string; files: { failed: number; copied: number } }>('GET', `/api/requests/${id}`);
    assert.equal(view.body.state, 'failed');
    assert.equal(view.body.files.failed, 1, JSON.stringify(view.body));
    const errs = await svc.api<{ items: { path: string; code: string }[] }>('GET', `/api/requests/${id}/errors`);
    assert.deepEqual(errs.body.items.map((e) => [e.path, e.code]), [['unreadable.bin', 'E_PERMISSION']]);
    assert.deepEqual(leftovers(dst), []);
    assert.deepEqual(fs.readdirSync(dst).sort(), ['readable.bin', 'small.txt']);
    assert.ok(sameBytes(path.join(src, 'readable.bin'), path.join(dst, 'readable.bin')));
  } finally {
    await stopService(svc);
  }
});
