// A service request (barge serve, its built-in agent; SQLite, and PostgreSQL where one
// answers) over a tree whose names and link targets are not all valid UTF-8 (issue 28
// points 2 and 10): the bytes land as they are, two directories whose names differ only in
// such a byte keep their own times (their rows in the database stay two), and the request's
// files list and errors carry and show them as bytes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { createTestDatabase, pgSkipReason } from './helpers/postgres-db.js';
import { runBarge } from './helpers/run-cli.js';
import { ADMIN_SECRET, startService, stopService, writeServiceConfig } from './helpers/service.js';
import { diffTrees } from './helpers/tree-diff.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-serve-bytes-'));
const db = await createTestDatabase('bytes');
after(async () => {
  await db?.drop();
  fs.rmSync(work, { recursive: true, force: true });
});

const at = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => Buffer.from(p as string)).flatMap((b, i) => (i === 0 ? [b] : [Buffer.from('/'), b])));
const BAD_FILE = [...Buffer.from('bad-'), 0xff];
const BAD_DIR = [0x64, 0xfe];

async function requestsOverBadNames(dir: string, dbArg: string): Promise<void> {
  fs.mkdirSync(dir);
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  fs.mkdirSync(src);
  fs.mkdirSync(dst);
  fs.writeFileSync(at(src, BAD_FILE), 'x');
  fs.mkdirSync(at(src, BAD_DIR));
  fs.writeFileSync(at(src, BAD_DIR, 'f'), 'in a dir whose name is not UTF-8');
  fs.mkdirSync(at(src, [0x64, 0xfd]));
  fs.utimesSync(at(src, [0x64, 0xfd]), 1_000_000, 1_000_000);
  fs.symlinkSync(at([...Buffer.from('target-'), 0xff]), at(src, 'l'));
  fs.writeFileSync(at(dst, [...Buffer.from('gone-'), 0xfb]), 'theirs');
  const svc = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', dbArg, '--transfers', '2']);
  try {
    const env = { BARGE_TOKEN: ADMIN_SECRET };
    const sub = await runBarge(['submit', 'src:/', 'dst:/', '--delete', '--server', svc.url], { env });
    assert.equal(sub.code, 0, sub.stderr);
    const w = await runBarge(['watch', sub.stdout.trim(), '--server', svc.url], { env, timeoutMs: 120_000 });
    assert.equal(w.code, 0, w.stdout + w.stderr);
    assert.deepEqual(diffTrees(src, dst), []);
    assert.deepEqual(fs.readlinkSync(at(dst, 'l'), { encoding: 'buffer' }), at([...Buffer.from('target-'), 0xff]));

    // a file list naming bytes that are not UTF-8: the listed file is copied, the missing one named with \xNN
    const list = path.join(dir, 'list');
    fs.writeFileSync(list, Buffer.concat([at(BAD_DIR, 'f'), Buffer.from('\n'), at([...Buffer.from('missing-'), 0xfe]), Buffer.from('\n')]));
    const dst2 = 'listed';
    const sub2 = await runBarge(['submit', 'src:/', `dst:/${dst2}`, '--files-from', list, '--server', svc.url], { env });
    assert.equal(sub2.code, 0, sub2.stderr);
    const w2 = await runBarge(['watch', sub2.stdout.trim(), '--server', svc.url], { env, timeoutMs: 120_000 });
    assert.notEqual(w2.code, 0, w2.stdout + w2.stderr);
    assert.equal(fs.readFileSync(at(dst, dst2, BAD_DIR, 'f'), 'utf8'), 'in a dir whose name is not UTF-8');
    const show = await runBarge(['status', sub2.stdout.trim(), '--server', svc.url], { env });
    assert.match(show.stdout, /E_NOT_FOUND missing-\\xfe: listed/, show.stdout);
  } finally {
    await stopService(svc);
  }
}

test('through barge serve on SQLite, names and link targets that are not UTF-8 land byte for byte; errors show \\xNN', async () => {
  await requestsOverBadNames(path.join(work, 'lite'), `sqlite:${path.join(work, 'state.sqlite')}`);
});

test('the same on PostgreSQL', { skip: db ? false : pgSkipReason() }, async () => {
  await requestsOverBadNames(path.join(work, 'pg'), db!.url);
});
