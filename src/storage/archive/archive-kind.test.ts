// The archive kind on the sim driver, with real files: listing, reading before staging,
// staging, reading, releasing, the quota, a restart, an endpoint rooted below, bad tables.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { endpointBelow, openStorage, storageKind } from '../registry.js';
import { readAll, rejectsWith } from '../conformance/helpers.js';
import type { Stager } from '../stager.js';
import type { Storage } from '../storage.js';
import { STAGING_DIR } from './staging-buffer.js';

function tree(): { top: string; ns: string; buffer: string } {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-archive-'));
  const ns = path.join(top, 'archive');
  fs.mkdirSync(path.join(ns, 'd'), { recursive: true });
  fs.writeFileSync(path.join(ns, 'a.dat'), 'alpha');
  fs.writeFileSync(path.join(ns, 'd', 'b.dat'), Buffer.alloc(3000, 7));
  fs.writeFileSync(path.join(ns, 'd', 'c.dat'), 'charlie');
  return { top, ns, buffer: path.join(top, 'buffer') };
}

function archive(t: { ns: string; buffer: string }, more: Record<string, unknown> = {}): Storage {
  const table = { path: t.ns, buffer: t.buffer, buffer_quota: '4KiB', driver: 'sim', volumes: 3, seed: 5, scale: 0, ...more };
  return openStorage(storageKind('archive').parseEndpoint(table, 'barge.toml: endpoints.tape'));
}

function stagerOf(s: Storage): Stager {
  assert.ok(s.features.staging && s.stager, 'an archive storage has a stager');
  return s.stager;
}

void test('lists the namespace; a read before staging is E_NOT_STAGED; staged, it reads; released, it is gone', async () => {
  const t = tree();
  try {
    const s = archive(t);
    assert.deepEqual((await s.list('')).map((e) => e.name).sort(), ['a.dat', 'd']);
    assert.equal((await s.stat('d/b.dat'))?.size, 3000);
    await rejectsWith(() => s.openRead('a.dat'), 'E_NOT_STAGED', 'unstaged');
    await rejectsWith(() => s.openRead('nope'), 'E_NOT_FOUND', 'not archived');
    const stager = stagerOf(s);
    const located = await stager.locate(['a.dat', 'd/b.dat', 'nope']);
    assert.deepEqual(located.map((l) => ('error' in l ? l.error.code : l.size)), [5, 3000, 'E_NOT_FOUND']);
    assert.deepEqual(await stager.stage(['a.dat', 'd/b.dat']), [{ path: 'a.dat' }, { path: 'd/b.dat' }]);
    assert.equal((await readAll(await s.openRead('a.dat'))).toString(), 'alpha');
    assert.deepEqual(await readAll(await s.openRead('d/b.dat')), Buffer.alloc(3000, 7));
    const reader = await s.openRead('a.dat');
    assert.deepEqual(await reader.identity(), { size: 5, mtimeNs: (await s.stat('a.dat'))?.mtimeNs }, 'the archived mtime, as listed');
    await reader.close();
    const stats = stager.stats();
    assert.equal(stats.usedBytes, 3005);
    assert.ok((stats.mounts ?? 0) >= 1 && (stats.files ?? 0) === 2, JSON.stringify(stats));
    assert.deepEqual(fs.readdirSync(path.join(t.buffer, STAGING_DIR)), [], 'no temporary file left');

    // staged already: not read from tape again
    const mounts = stats.mounts;
    assert.deepEqual(await stager.stage(['a.dat']), [{ path: 'a.dat' }]);
    assert.equal(stager.stats().files, 2);
    assert.equal(stager.stats().mounts, mounts);

    await stager.release(['a.dat', 'd/c.dat']); // c was never staged: not an error
    assert.equal(fs.existsSync(path.join(t.buffer, 'a.dat')), false);
    await rejectsWith(() => s.openRead('a.dat'), 'E_NOT_STAGED', 'released');
    assert.equal(stager.stats().usedBytes, 3000);
    await rejectsWith(() => stager.release(['../x']), 'E_PATH_ESCAPE', 'a path out of the buffer');
    fs.writeFileSync(path.join(t.top, 'outside'), 'not archived');
    const escapes = await stager.stage(['../outside', 'd/../../outside', '/etc/hostname']);
    assert.deepEqual(escapes.map((r) => r.error?.code), ['E_PATH_ESCAPE', 'E_PATH_ESCAPE', 'E_PATH_ESCAPE']);
    assert.equal(fs.existsSync(path.join(t.buffer, 'outside')), false);
    await rejectsWith(() => s.openWrite('new', { size: 1, sparse: false }), 'E_READ_ONLY', 'writing to the archive');
  } finally {
    fs.rmSync(t.top, { recursive: true, force: true });
  }
});

void test('the quota, by reservation: a file that does not fit beside those on the way is E_BUFFER_FULL until space is released; the peak stays within it', async () => {
  const t = tree();
  try {
    const stager = stagerOf(archive(t, { buffer_quota: 3004 }));
    const [b, a] = await stager.stage(['d/b.dat', 'a.dat']);
    assert.deepEqual(b, { path: 'd/b.dat' });
    assert.equal(a?.error?.code, 'E_BUFFER_FULL');
    assert.equal(a?.error?.retryable, true);
    assert.match(a?.error?.message ?? '', /5 bytes would take the buffer past its quota \(0 staged, 3000 on the way, quota 3004\)/);
    await stager.release(['d/b.dat']);
    assert.deepEqual(await stager.stage(['a.dat']), [{ path: 'a.dat' }]);
    const small = stagerOf(archive(t, { buffer_quota: 2999 }));
    const [tooBig] = await small.stage(['d/b.dat']);
    assert.equal(tooBig?.error?.code, 'E_BUFFER_FULL');
    assert.equal(tooBig?.error?.retryable, false, 'a file larger than the quota is not retried');
    assert.match(tooBig?.error?.message ?? '', /^3000 bytes is more than the buffer's quota \(2999\): it can never be staged$/);
    assert.ok((stager.stats().peakBytes ?? Infinity) <= 3004);
  } finally {
    fs.rmSync(t.top, { recursive: true, force: true });
  }
});

void test('what is in the buffer survives a new process (a new buffer count), and an endpoint rooted below reads it', async () => {
  const t = tree();
  try {
    const first = archive(t);
    await stagerOf(first).stage(['d/c.dat']);
    // another quota makes a new buffer object, as a restarted process would: it counts the directory
    const again = stagerOf(archive(t, { buffer_quota: 5000 }));
    assert.equal(again.stats().usedBytes, 7);
    const endpoint = storageKind('archive').parseEndpoint({ path: t.ns, buffer: t.buffer, buffer_quota: 5000, driver: 'sim', volumes: 3, seed: 5, scale: 0 }, 'e');
    const below = openStorage(endpointBelow(endpoint, 'd'));
    assert.equal((await readAll(await below.openRead('c.dat'))).toString(), 'charlie');
    await rejectsWith(() => below.openRead('b.dat'), 'E_NOT_STAGED', 'below, unstaged');
    assert.deepEqual(await stagerOf(below).stage(['b.dat']), [{ path: 'b.dat' }]);
    assert.ok(fs.existsSync(path.join(t.buffer, 'd', 'b.dat')), 'staged under its path from the top');
  } finally {
    fs.rmSync(t.top, { recursive: true, force: true });
  }
});

void test('seeded faults through the config: a lost file fails alone, not retryable, naming its volume', async () => {
  const t = tree();
  try {
    const stager = stagerOf(archive(t, { faults: 'lost:d/b.dat', seed: 9 }));
    const [b, c] = await stager.stage(['d/b.dat', 'd/c.dat']);
    assert.equal(b?.error?.code, 'E_ARCHIVE');
    assert.equal(b?.error?.retryable, false);
    assert.match(b?.error?.message ?? '', /^lost: not readable on VOL00\d/);
    assert.deepEqual(c, { path: 'd/c.dat' });
    assert.equal(stager.stats().usedBytes, 7, 'the lost file holds no space');
  } finally {
    fs.rmSync(t.top, { recursive: true, force: true });
  }
});

void test('stopped by its signal, staging gives back what it had not brought: E_INTERRUPTED, nothing reserved, nothing left', async () => {
  const t = tree();
  try {
    // a mount takes 26 simulated seconds, 260 ms here: the signal comes first, whatever the machine's load
    const stager = stagerOf(archive(t, { scale: 0.01 }));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    const results = await stager.stage(['a.dat', 'd/b.dat', 'd/c.dat'], stop.signal);
    assert.deepEqual(results.map((r) => r.error?.code), ['E_INTERRUPTED', 'E_INTERRUPTED', 'E_INTERRUPTED']);
    assert.equal(stager.stats().reservedBytes, 0);
    assert.equal(stager.stats().usedBytes, 0);
    assert.deepEqual(fs.readdirSync(path.join(t.buffer, STAGING_DIR)), []);
  } finally {
    fs.rmSync(t.top, { recursive: true, force: true });
  }
});

void test('a bad archive table is E_CONFIG naming the key', () => {
  const kind = storageKind('archive');
  const ok = { path: '/arch', buffer: '/buf', buffer_quota: '10GiB', driver: 'sim' };
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...ok, buffer_quota: undefined }, /^e\.buffer_quota: missing \(required\)$/],
    [{ ...ok, buffer_quota: 'lots' }, /^e\.buffer_quota: expected a size such as "10GiB" or "400MB", got "lots"$/],
    [{ ...ok, driver: 'ftp' }, /^e\.driver: expected "sim" or "command", got "ftp"$/],
    [{ ...ok, buffer: 'rel' }, /^e\.buffer: must be an absolute path/],
    [{ ...ok, buffer: '/arch/buf' }, /^e\.buffer: must not be the archive's path nor inside it$/],
    [{ ...ok, buffer: '/' }, /^e\.buffer: must not hold the archive's path$/],
    [{ ...ok, write: true }, /^e\.write: an archive endpoint is a source: barge does not write to tape$/],
    [{ ...ok, drives: 0 }, /^e\.drives: must be at least 1, got 0$/],
    [{ ...ok, batch_size: 2.5 }, /^e\.batch_size: expected a whole number/],
    [{ ...ok, locate_command: ['hsi'] }, /^e\.locate_command: is not a key of driver "sim"$/],
    [{ ...ok, faults: 'lost=7' }, /^e\.faults: fault lost: rate must be 0 to 1, got "7"$/],
    [{ ...ok, driver: 'command', stage_command: ['hsi'] }, /^e\.locate_command: missing \(required for driver "command"\)$/],
    [{ ...ok, driver: 'command', locate_command: ['hsi', '-q', 'ls', '-P'], stage_command: ['hsi'] }, /^e\.locate_command: must have the argument "\{paths\}"/],
    [{ ...ok, driver: 'command', locate_command: 'hsi ls -P {paths}', stage_command: ['hsi'] }, /^e\.locate_command: expected an array of strings .*no shell/],
    [{ ...ok, driver: 'command', locate_command: ['hsi', '{paths}'], stage_command: ['hsi'], volumes: 3 }, /^e\.volumes: is not a key of driver "command"$/],
  ];
  for (const [table, message] of bad) {
    assert.throws(() => kind.parseEndpoint(table, 'e'), { code: 'E_CONFIG', message }, JSON.stringify(table));
  }
  const e = kind.parseEndpoint({ ...ok, read_rate: '300MB', drives: 2 }, 'e');
  assert.equal(e.kind, 'archive');
  assert.deepEqual({ ...(e as unknown as { bufferQuota: number; drives: number }) }.bufferQuota, 10 * 1024 ** 3);
});
