// createsOneAtATime against what the kernel says elsewhere: a journaled ext4 has a jbd2
// entry in /proc/fs/jbd2 named after its device, one without a journal has none.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { test } from 'node:test';
import { createsOneAtATime } from './create-concurrency.js';

function mountSource(dir: string): string | undefined {
  const r = spawnSync('findmnt', ['-no', 'SOURCE', '--target', dir], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

test('one creating thread only on ext4 without a journal, as /proc/fs/jbd2 tells', (t) => {
  if (process.platform !== 'linux') { t.skip('Linux only'); return; }
  let checked = 0;
  for (const dir of [process.cwd(), os.tmpdir(), '/dev/shm']) {
    if (!fs.existsSync(dir)) continue;
    const ext4 = fs.statfsSync(dir).type === 0xef53;
    const source = mountSource(dir);
    if (ext4 && source === undefined) continue; // findmnt missing: no oracle
    const name = source?.split('/').pop() ?? '';
    const journaled = fs.existsSync('/proc/fs/jbd2') && fs.readdirSync('/proc/fs/jbd2').some((n) => n.startsWith(`${name}-`));
    assert.equal(createsOneAtATime(dir), ext4 && !journaled, `${dir}: ext4 ${ext4}, journal ${journaled}`);
    checked++;
  }
  assert.ok(checked > 0, 'no directory could be checked');
});

test('a path that is not there creates as usual', () => {
  assert.equal(createsOneAtATime('/nonexistent/barge-test'), false);
});
