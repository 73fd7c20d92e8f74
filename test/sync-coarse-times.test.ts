// A destination that keeps whole seconds (ext4 with 128-byte inodes, as ext2/3, HFS+): the
// source's times have fractions, the destination drops them, and a second run must still
// be a no-op. A real file system on a loop device (needs root; under CI it fails rather
// than skips).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { runBarge } from './helpers/run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-coarse-'));
const mnt = path.join(dir, 'mnt');
fs.mkdirSync(mnt);

function mountSecondsFs(): string | undefined {
  try {
    const img = path.join(dir, 'ext.img');
    fs.writeFileSync(img, '');
    fs.truncateSync(img, 16 << 20);
    execFileSync('mkfs.ext4', ['-q', '-F', '-I', '128', img], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'loop', img, mnt], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `cannot make and mount an ext4 image (needs root and mkfs.ext4): ${(e as Error).message.split('\n')[0]}`;
  }
}
const cannot = mountSecondsFs();
const skip = cannot !== undefined && process.env.CI !== 'true' ? cannot : undefined;
after(() => {
  if (cannot === undefined) execFileSync('umount', [mnt]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('into a file system of whole seconds, a second run is a no-op (and its dry run predicts nothing)', { skip }, async () => {
  assert.equal(cannot, undefined, cannot);
  const src = path.join(dir, 'src');
  const dst = path.join(mnt, 'dst');
  for (let d = 0; d < 3; d++) {
    fs.mkdirSync(path.join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < 4; f++) {
      const p = path.join(src, `d${d}`, `f${f}`);
      fs.writeFileSync(p, `${d}/${f}`);
      const t = new Date(Date.UTC(2020, 0, 1, 0, 0, d * 10 + f, 123 + f * 100));
      fs.utimesSync(p, t, t);
    }
    const t = new Date(Date.UTC(2021, 0, 1, 0, 0, d, 456));
    fs.utimesSync(path.join(src, `d${d}`), t, t);
  }
  const first = await runBarge(['sync', src, dst]);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.equal(fs.statSync(path.join(dst, 'd0', 'f1'), { bigint: true }).mtimeNs % 1_000_000_000n, 0n, 'the destination keeps whole seconds');
  const ctime = (): bigint => fs.statSync(dst, { bigint: true }).ctimeNs;
  const before = ctime();
  for (const dry of [['-n'], []]) {
    const again = await runBarge(['sync', '--json', ...dry, src, dst]);
    assert.equal(again.code, 0, again.stderr);
    const s = JSON.parse(again.stdout) as { filesCopied: number; filesToCopy: number; metaUpdated: number; filesUpToDate: number };
    assert.deepEqual([s.filesToCopy, s.filesCopied, s.metaUpdated, s.filesUpToDate], [0, 0, 0, 12], dry.join(''));
  }
  assert.equal(ctime(), before, 'the time probe left the destination untouched');
  assert.deepEqual(fs.readdirSync(dst).filter((n) => n.startsWith('.barge')), []);
});
