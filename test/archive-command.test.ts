// The archive kind's `command` driver end to end: real processes all the way, a stand-in `hsi`
// (archive-hsi/fake-hsi.ts) that runs the tape simulator's CLI. Locating parses its ls -P
// lines; staging feeds one session get lines; what lands is checked by size and checksum.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { placeFiles, walkTree } from '../src/storage/archive/sim/catalogue.js';
import { foldPosition } from '../src/storage/archive/ls-p.js';
import { openStorage, storageKind } from '../src/storage/registry.js';
import { readAll } from '../src/storage/conformance/helpers.js';
import type { Stager } from '../src/storage/stager.js';
import type { Storage } from '../src/storage/storage.js';

const fakeHsi = fileURLToPath(new URL('./archive-hsi/fake-hsi.js', import.meta.url));
let top = '';
let ns = '';
const VOLUMES = 6;
const SEED = 4;

before(() => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-archive-cmd-'));
  ns = path.join(top, 'archive');
  for (let d = 0; d < 4; d++) {
    fs.mkdirSync(path.join(ns, `dir ${d}`), { recursive: true });
    for (let f = 0; f < 15; f++) fs.writeFileSync(path.join(ns, `dir ${d}`, `f${f}.dat`), Buffer.alloc(100 + d * 15 + f, d * 16 + f));
  }
});
after(() => fs.rmSync(top, { recursive: true, force: true }));

function simArgs(extra: string[] = []): string {
  return JSON.stringify(['--root', ns, '--volumes', String(VOLUMES), '--seed', String(SEED), '--drives', '2', '--scale', '0', ...extra]);
}

function archive(buffer: string, opts: { hsi?: string[]; sim?: string[]; batch?: number } = {}): Storage {
  const hsi = ['node', fakeHsi, '--sim', simArgs(opts.sim), ...(opts.hsi ?? [])];
  const table = {
    path: ns, buffer: path.join(top, buffer), buffer_quota: '1MiB', driver: 'command', drives: 1, batch_size: opts.batch ?? 100,
    locate_command: [...hsi, '-q', 'ls', '-P', '{paths}'], stage_command: [...hsi, '-q'],
  };
  return openStorage(storageKind('archive').parseEndpoint(table, 'barge.toml: endpoints.hpss'));
}

function stagerOf(s: Storage): Stager {
  assert.ok(s.stager);
  return s.stager;
}

void test('locate: every file where the simulator placed it; a missing one is E_NOT_FOUND in hsi\'s words', async () => {
  const stager = stagerOf(archive('buf-locate'));
  const placed = placeFiles(walkTree(ns), VOLUMES, SEED);
  const paths = [...placed.files.keys()];
  const got = await stager.locate([...paths, 'dir 9/nope']);
  assert.equal(got.length, 61);
  paths.forEach((p, i) => {
    const f = placed.files.get(p);
    assert.deepEqual(got[i], { path: p, volume: f?.volume, position: foldPosition(f?.section ?? -1, 0), size: f?.size }, p);
  });
  const missing = got[60];
  assert.ok(missing && 'error' in missing);
  assert.equal(missing.error.code, 'E_NOT_FOUND');
  assert.match(missing.error.message, /^the archive said: \*\*\* hpss_Lstat: No such file or directory .*dir 9\/nope$/);
});

void test('a tool that lists on stderr, as hsi does, is read the same', async () => {
  const onStdout = await stagerOf(archive('buf-out')).locate(['dir 2/f3.dat', 'dir 3/f1.dat']);
  const onStderr = await stagerOf(archive('buf-err', { hsi: ['--stderr', '1'] })).locate(['dir 2/f3.dat', 'dir 3/f1.dat']);
  assert.ok(onStdout.every((l) => !('error' in l)));
  assert.deepEqual(onStderr, onStdout);
});

void test('a malformed ls -P line fails that path only, naming the line', async () => {
  const stager = stagerOf(archive('buf-garble', { hsi: ['--garble', 'dir 1/f3.dat'] }));
  const got = await stager.locate(['dir 1/f2.dat', 'dir 1/f3.dat', 'dir 1/f4.dat']);
  assert.ok(!('error' in (got[0] as object)) && !('error' in (got[2] as object)));
  const bad = got[1];
  assert.ok(bad && 'error' in bad);
  assert.equal(bad.error.code, 'E_ARCHIVE');
  assert.equal(bad.path, 'dir 1/f3.dat');
  assert.match(bad.error.message, /^malformed ls -P line \(expected size, size, section\+offset and volume after the path, got 3 field\(s\)\): "FILE\\t.*dir 1\/f3\.dat\\t/);
});

void test('stage: a session per volume, in tape order, brings files into the buffer, checked by checksum', async () => {
  const stats = path.join(top, 'stats.json');
  const s = archive('buf-stage', { sim: ['--checksum', 'md5', '--stats', stats] });
  const stager = stagerOf(s);
  const wanted = ['dir 0/f1.dat', 'dir 2/f7.dat', 'dir 3/f14.dat', 'dir 1/f0.dat', 'dir 0/f9.dat', 'dir 2/f2.dat'];
  const located = (await stager.locate(wanted)).flatMap((l) => ('error' in l ? [] : [l]));
  assert.equal(located.length, 6);
  const volumes = [...new Set(located.map((l) => l.volume))].sort();
  assert.deepEqual(await stager.stage(wanted), wanted.map((p) => ({ path: p })));
  for (const p of wanted) assert.deepEqual(await readAll(await s.openRead(p)), fs.readFileSync(path.join(ns, p)), p);
  assert.equal(stager.stats().stageSessions, volumes.length, 'one session per volume');
  assert.equal(stager.stats().locateCommands, 1, 'staging used what was located, not a second ls -P');
  // the last session (stats are per process) was the last volume's: one mount for its files
  const sim = JSON.parse(fs.readFileSync(stats, 'utf8')) as Record<string, number>;
  assert.equal(sim.mounts, 1);
  assert.equal(sim.files, located.filter((l) => l.volume === volumes.at(-1)).length);
});

void test('with --state the simulator is one library across sessions: a volume served in several sessions is mounted once', async () => {
  const state = path.join(top, 'library-state.json');
  const stats = path.join(top, 'stats-state.json');
  const stager = stagerOf(archive('buf-state', { sim: ['--state', state, '--stats', stats, '--drives', '1'], batch: 3 }));
  const wanted = ['dir 0', 'dir 1'].flatMap((d) => Array.from({ length: 15 }, (_, f) => `${d}/f${f}.dat`));
  const located = (await stager.locate(wanted)).flatMap((l) => ('error' in l ? [] : [l]));
  const volumes = new Set(located.map((l) => l.volume));
  assert.deepEqual((await stager.stage(wanted)).filter((r) => r.error), []);
  assert.equal(stager.stats().locateCommands, 10, 'batch_size paths to a locate: 30 in 10');
  const sessions = stager.stats().stageSessions ?? 0;
  assert.ok(sessions > volumes.size, `${sessions} sessions for ${volumes.size} volumes`);
  const sim = JSON.parse(fs.readFileSync(stats, 'utf8')) as Record<string, number>;
  assert.equal(sim.files, 30, 'the totals of all sessions');
  assert.equal(sim.mounts, volumes.size, 'sessions in tape order: each volume mounted once');
  assert.equal(fs.existsSync(`${state}.lock`), false);
});

void test('a lost file, a checksum that does not match and a short file fail alone; the buffer keeps none of them', async () => {
  const s = archive('buf-faults', { sim: ['--checksum', 'sha256', '--faults', 'lost:dir 3/f5.dat'], hsi: ['--corrupt', 'dir 3/f6.dat', '--truncate', 'dir 3/f8.dat'] });
  const stager = stagerOf(s);
  const [lost, corrupt, good, short] = await stager.stage(['dir 3/f5.dat', 'dir 3/f6.dat', 'dir 3/f7.dat', 'dir 3/f8.dat']);
  assert.equal(short?.error?.code, 'E_ARCHIVE');
  assert.equal(short?.error?.message, `the staged file has ${100 + 45 + 8 - 1} bytes; the archive listed ${100 + 45 + 8}`);
  assert.equal(lost?.error?.code, 'E_ARCHIVE');
  assert.match(lost?.error?.message ?? '', /^the archive said: \*\*\* get: .*dir 3\/f5\.dat: lost: not readable on VOL/);
  assert.equal(corrupt?.error?.code, 'E_CHECKSUM');
  assert.match(corrupt?.error?.message ?? '', /^the staged file's sha256 is [0-9a-f]{64}; the archive printed [0-9a-f]{64}$/);
  assert.deepEqual(good, { path: 'dir 3/f7.dat' });
  assert.deepEqual(fs.readdirSync(path.join(top, 'buf-faults', 'dir 3')), ['f7.dat']);
  assert.equal(stager.stats().usedBytes, fs.statSync(path.join(ns, 'dir 3/f7.dat')).size);
});

void test('a stage command that cannot run fails the batch with a clear error', async () => {
  const table = {
    path: ns, buffer: path.join(top, 'buf-nocmd'), buffer_quota: '1MiB', driver: 'command',
    locate_command: ['node', fakeHsi, '--sim', simArgs(), '-q', 'ls', '-P', '{paths}'], stage_command: [path.join(top, 'no-such-hsi')],
  };
  const stager = stagerOf(openStorage(storageKind('archive').parseEndpoint(table, 'e')));
  const [r] = await stager.stage(['dir 0/f0.dat']);
  assert.equal(r?.error?.code, 'E_ARCHIVE');
  assert.match(r?.error?.message ?? '', /^cannot run the archive command ".*no-such-hsi": spawn .* ENOENT$/);
  assert.equal(stager.stats().reservedBytes, 0, 'its reservation was given back');
});

void test('costModel: the drive costs its table gives (for plans), LTO-9 for the keys left out', () => {
  const base = { path: ns, buffer: path.join(top, 'buf-costs'), buffer_quota: '1MiB', driver: 'command', locate_command: ['hsi', '{paths}'], stage_command: ['hsi'] };
  const kind = storageKind('archive');
  const costs = openStorage(kind.parseEndpoint({ ...base, load_time: 30, locate_time: 40, read_rate: '200MB' }, 'e')).stager?.costModel?.();
  assert.deepEqual(costs, { loadS: 30, unloadS: 56, locateS: 40, robotS: 10, readRate: 200e6 });
  assert.deepEqual(openStorage(kind.parseEndpoint(base, 'e')).stager?.costModel?.(), { loadS: 16, unloadS: 56, locateS: 65, robotS: 10, readRate: 400e6 });
  assert.throws(() => kind.parseEndpoint({ ...base, unload_time: -1 }, 'e'), { code: 'E_CONFIG', message: /e\.unload_time: must be at least 0/ });
});
