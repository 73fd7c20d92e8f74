// A file larger than the destination allows (EFBIG) fails alone, as E_UNSUPPORTED, and is
// not taken for a full destination (E_NO_SPACE stops new files): a real `barge sync` run
// under `ulimit -f`, so each write past the limit fails with EFBIG (Node ignores SIGXFSZ).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { BARGE_MAIN } from './helpers/run-cli.js';
import { makeSmallTree } from './helpers/service.js';

interface Summary { status: string; filesCopied: number; failed: number; errors: { code: string; path: string; message: string }[] }

test('under ulimit -f: the too-large files fail E_UNSUPPORTED saying so, every small file is still copied', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-efbig-'));
  try {
    const src = path.join(dir, 'src');
    const dst = path.join(dir, 'dst');
    const small = makeSmallTree(src, 8, 40);
    fs.writeFileSync(path.join(src, 'd001', 'big'), Buffer.alloc(400 * 1024, 7));
    fs.writeFileSync(path.join(src, 'chunked'), Buffer.alloc(1024 * 1024, 9));
    // 200 blocks of 1 KiB: every small file fits, `big` and `chunked` do not
    const r = spawnSync('bash', ['-c', 'ulimit -f 200; exec "$0" "$@"', process.execPath, BARGE_MAIN,
      'sync', '--json', '--chunk-cutoff', '512K', '--chunk-size', '64K', src, dst], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 1, r.stderr);
    const s = JSON.parse(r.stdout) as Summary;
    assert.deepEqual(s.errors.map((e) => [e.path, e.code]).sort(), [['chunked', 'E_UNSUPPORTED'], ['d001/big', 'E_UNSUPPORTED']], r.stderr);
    for (const e of s.errors) assert.match(e.message, /the file is larger than the destination file system allows \(EFBIG\)/);
    assert.doesNotMatch(r.stderr, /E_NO_SPACE|destination is full/);
    assert.equal(s.filesCopied, small, 'no file was held back as if the destination were full');
    assert.equal(s.failed, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
