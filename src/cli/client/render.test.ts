import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestView } from './api-types.js';
import {
  endpointsTable, errorLines, lsText, modeText, mtimeText, progressText, requestDetail, requestsTable, summaryLine,
} from './render.js';
import { formatTable } from './text-table.js';

const NOW = new Date('2026-11-22T10:05:00.000Z');

function view(over: Partial<RequestView> = {}): RequestView {
  return {
    id: 'r-1', state: 'running', priority: 5, source: 'panda:/user_xyz', destination: 'badger:/',
    options: { delete: true, checksum: false, maxDelete: 10 },
    createdAt: '2026-11-22T10:00:00.000Z', startedAt: '2026-11-22T10:00:01.000Z', finishedAt: null, walkDone: true,
    files: { found: 20000, toCopy: 20000, copied: 1234, upToDate: 3, failed: 0, deleted: 7 },
    bytes: { found: 2 * 1024 ** 3, toCopy: 2 * 1024 ** 3, copied: 512 * 1024 ** 2, resumed: 0 },
    rate: 10 * 1024 ** 2, etaSeconds: 153.6, errorCount: 0, message: null, submittedBy: 'ops',
    ...over,
  };
}

test('tables: columns aligned, numbers to the right, no trailing blanks', () => {
  assert.equal(formatTable(['A', 'NUM', 'LAST'], [['xx', '1', 'y'], ['x', '123', 'long last']], [1]),
    'A   NUM  LAST\nxx    1  y\nx   123  long last');
});

test('requests table', () => {
  const text = requestsTable([view(), view({ id: 'r-22', state: 'queued', priority: 10, rate: 0, files: { ...view().files, copied: 0 } })], NOW);
  const lines = text.split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0] ?? '', /^ID\s+STATE\s+PRI\s+FILES\s+BYTES\s+RATE\s+AGE\s+SOURCE → DESTINATION$/);
  assert.match(lines[1] ?? '', /^r-1 +running +5 +1,234\/20,000 +512 MiB\/2\.00 GiB +10\.0 MiB\/s +5m00s +panda:\/user_xyz → badger:\/$/);
  assert.match(lines[2] ?? '', /^r-22 +queued +10 +0\/20,000 .* - +5m00s /);
  // right-aligned columns end at the same place on every line
  const end = (l: string, col: string): number => l.indexOf(col) + col.length;
  assert.equal(end(lines[1] ?? '', '1,234/20,000'), end(lines[2] ?? '', '0/20,000'));
  for (const l of lines) assert.equal(l, l.trimEnd());
});

test('one request in detail, with its first errors', () => {
  const errors = { items: [{ path: 'a/b', code: 'E_PERMISSION', message: 'permission denied', at: '2026-11-22T10:04:00Z' }], total: 3, nextOffset: 1 };
  const text = requestDetail(view({ state: 'failed', errorCount: 3, message: '3 files failed', finishedAt: '2026-11-22T10:04:30.000Z' }), errors, NOW);
  assert.match(text, /^id: +r-1$/m);
  assert.match(text, /^state: +failed$/m);
  assert.match(text, /^options: +delete, maxDelete=10$/m);
  assert.match(text, /^created: +2026-11-22T10:00:00\.000Z \(5m00s ago\)$/m);
  assert.match(text, /^finished: +2026-11-22T10:04:30\.000Z \(30s ago\)$/m);
  assert.match(text, /^files: +1,234 copied of 20,000 to copy \(20,000 found\), 3 up to date, 7 deleted, 0 failed$/m);
  assert.match(text, /^bytes: +512 MiB copied of 2\.00 GiB to copy \(2\.00 GiB found\)$/m);
  assert.match(text, /^rate: +10\.0 MiB\/s$/m); // no ETA once finished
  assert.match(requestDetail(view(), undefined, NOW), /^rate: +10\.0 MiB\/s, ETA 2m34s$/m);
  assert.match(text, /^errors: +3$/m);
  assert.match(text, /^message: +3 files failed$/m);
  assert.match(text, /^first errors:\n {2}E_PERMISSION a\/b: permission denied\n {2}\.\.\. and 2 more$/m);
  assert.match(requestDetail(view({ walkDone: false, etaSeconds: null, rate: 0 }), undefined, NOW), /^state: +running \(still scanning\)\n(.*\n)*rate: +-\nerrors: +0\nmessage: +-$/m);
});

test('error lines escape control characters in paths', () => {
  assert.deepEqual(errorLines({ items: [{ path: 'a\nb', code: 'E_IO', message: 'm', at: '' }, { path: '', code: 'E_STATE', message: 'n', at: '' }], total: 2, nextOffset: null }, ''),
    ['E_IO a\\nb: m', 'E_STATE n']);
});

test('endpoints table', () => {
  assert.equal(endpointsTable([
    { name: 'panda', kind: 'posix', path: '/mnt/panda', write: false, site: 'sdsc' },
    { name: 'tape1', kind: 'archive', path: '/hsm', write: true, site: 'tacc' },
  ]), 'NAME   KIND     SITE  WRITE  PATH\npanda  posix    sdsc  no     /mnt/panda\ntape1  archive  tacc  yes    /hsm');
});

test('ls -l: type, mode, size, mtime, name', () => {
  assert.equal(modeText(0o644), 'rw-r--r--');
  assert.equal(modeText(0o755), 'rwxr-xr-x');
  assert.equal(modeText(0o4755), 'rwsr-xr-x');
  assert.equal(modeText(0o2640), 'rw-r-S---');
  assert.equal(modeText(0o1777), 'rwxrwxrwt');
  assert.equal(modeText(0o1776), 'rwxrwxrwT');
  assert.equal(mtimeText('1700000000123456789'), '2023-11-14T22:13:20Z');
  assert.equal(mtimeText('-1000000000'), '1969-12-31T23:59:59Z');
  assert.equal(mtimeText('soon'), '-');
  const text = lsText({ endpoint: 'panda', path: '/', items: [
    { name: 'big.dat', type: 'file', size: 1234567, mtimeNs: '1700000000123456789', mode: 0o644 },
    { name: 'sub', type: 'dir', size: 4096, mtimeNs: '1700000000000000000', mode: 0o755 },
    { name: 'ln', type: 'symlink', size: 3, mtimeNs: '1700000000000000000', mode: 0o777 },
    { name: 'odd\tname', type: 'fifo', size: 0, mtimeNs: '1700000000000000000', mode: 0o600 },
  ] });
  assert.equal(text, [
    '-rw-r--r--  1234567  2023-11-14T22:13:20Z  big.dat',
    'drwxr-xr-x     4096  2023-11-14T22:13:20Z  sub/',
    'lrwxrwxrwx        3  2023-11-14T22:13:20Z  ln',
    'prw-------        0  2023-11-14T22:13:20Z  odd\\tname',
  ].join('\n'));
  assert.equal(lsText({ endpoint: 'panda', path: '/empty', items: [] }), '');
});

test('watch lines: progress and summary', () => {
  assert.equal(progressText(view()), 'r-1 running: 1,234/20,000 files, 512 MiB/2.00 GiB, 10.0 MiB/s, ETA 2m34s');
  assert.equal(progressText(view({ walkDone: false, etaSeconds: null, errorCount: 2, rate: 0 })),
    'r-1 running (scanning): 1,234/20,000 files, 512 MiB/2.00 GiB, -, ETA --, 2 errors');
  assert.equal(summaryLine(view({ state: 'succeeded', finishedAt: '2026-11-22T10:03:01.000Z' })),
    'r-1 succeeded in 3m00s: 1,234 files copied (512 MiB), 3 up to date, 7 deleted, 0 failed, 10.0 MiB/s');
  assert.equal(summaryLine(view({ state: 'canceled', startedAt: null, rate: 0 })),
    'r-1 canceled: 1,234 files copied (512 MiB), 3 up to date, 7 deleted, 0 failed');
});

test('a request being staged from an archive shows its mounts, the buffer and its files by stage state', () => {
  const staging = { mounts: 3, volumes: 20, bufferUsedBytes: 1024 ** 2, bufferQuotaBytes: 4 * 1024 ** 2, files: { waiting: 5, located: 10, staging: 2, staged: 4, released: 30, failed: 1 } };
  const v = view({ state: 'staging', staging });
  assert.match(requestDetail(v, undefined, NOW), /^staging: +3 mounts, buffer 1\.00 MiB of 4\.00 MiB; files 15 waiting, 2 staging, 4 staged, 30 released, 1 failed$/m);
  assert.match(progressText(v), /^r-1 staging: .* \[staging: 3 mounts, buffer 1\.00 MiB of 4\.00 MiB; files 15 waiting/);
  assert.doesNotMatch(requestDetail(view(), undefined, NOW), /^staging:/m);
  const waits = view({ state: 'staging', staging: { ...staging, waiting: { code: 'E_BUFFER_FULL', reason: "the buffer's file system is full: /buf has 0 bytes free", since: '2026-12-07T09:00:00.000Z' } } });
  assert.match(requestDetail(waits, undefined, NOW), /1 failed; waits for room since 2026-12-07T09:00:00\.000Z: E_BUFFER_FULL: the buffer's file system is full: \/buf has 0 bytes free$/m);
});
