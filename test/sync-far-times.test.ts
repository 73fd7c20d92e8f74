// Times past 2262-04-11 (the last a 64-bit count of nanoseconds holds) and before 1970:
// files, directories and symlinks keep them, and a second run is a no-op. Real files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { runBarge } from './helpers/run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-far-times-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('times after 2262 and before 1970 on files, directories and symlinks land, and a re-run copies nothing', async () => {
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  const times: Record<string, Date> = { late: new Date('2300-01-01T00:00:00.5Z'), early: new Date('1901-12-14T00:00:00Z') };
  for (const [name, t] of Object.entries(times)) {
    fs.mkdirSync(path.join(src, `${name}-dir`), { recursive: true });
    fs.writeFileSync(path.join(src, `${name}-file`), name);
    fs.symlinkSync(`${name}-file`, path.join(src, `${name}-link`));
    fs.utimesSync(path.join(src, `${name}-file`), t, t);
    fs.utimesSync(path.join(src, `${name}-dir`), t, t);
    fs.lutimesSync(path.join(src, `${name}-link`), t, t);
  }
  const first = await runBarge(['sync', src, dst]);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  for (const name of fs.readdirSync(src)) {
    const a = fs.lstatSync(path.join(src, name), { bigint: true });
    const b = fs.lstatSync(path.join(dst, name), { bigint: true });
    assert.equal(b.mtimeNs, a.mtimeNs, name);
  }
  const again = await runBarge(['sync', '--json', src, dst]);
  assert.equal(again.code, 0, again.stderr);
  const s = JSON.parse(again.stdout) as { filesCopied: number; metaUpdated: number; symlinksMade: number; dirsCreated: number };
  assert.deepEqual([s.filesCopied, s.metaUpdated, s.symlinksMade, s.dirsCreated], [0, 0, 0, 0]);
});
