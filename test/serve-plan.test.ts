// `barge plan` and POST /api/requests?dryRun=1 through a real `barge serve`: an archive
// endpoint on the simulator (its catalogue written here, so which volume holds which file is
// known) and a posix one. The plan counts the files and bytes a sync would copy (files
// already up to date at the destination are not), the volumes they lie on, and nothing is
// queued, staged or written. And a plan between two local directories, with no server.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RequestPlan } from '../src/core/request-types.js';
import { fileURLToPath } from 'node:url';
import { runBarge } from './helpers/run-cli.js';
import { ADMIN_SECRET, startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';

const fakeHsi = fileURLToPath(new URL('./archive-hsi/fake-hsi.js', import.meta.url));
const VOLUMES = ['VOL000', 'VOL001', 'VOL002', 'VOL003'];
const PER_VOLUME = 25;
/** the command archive's buffer: the files of 3,000 bytes and more never fit */
const SMALL_QUOTA = 3000;
const GARBLED = 'd2/f002.dat';

interface Layout { top: string; ns: string; buffer: string; plain: string; dst: string; tokenFile: string; config: string; stateDir: string }

/** 100 files on 4 volumes in the namespace tree, and the same tree as a posix endpoint; the destination has VOL003's files already */
function layout(): Layout & { sizeOf: Map<string, number>; volumeOf: Map<string, string> } {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-plan-'));
  const l = {
    top, ns: path.join(top, 'archive'), buffer: path.join(top, 'buffer'), plain: path.join(top, 'plain'), dst: path.join(top, 'dst'),
    tokenFile: path.join(top, 'token'), config: '', stateDir: path.join(top, 'state'),
  };
  const sizeOf = new Map<string, number>();
  const volumeOf = new Map<string, string>();
  const catalogue: Array<[string, number, string, number, number]> = [];
  const written = new Map<string, number>();
  for (let i = 0; i < VOLUMES.length * PER_VOLUME; i++) {
    const volume = VOLUMES[i % VOLUMES.length] as string;
    const rel = `d${i % 5}/f${String(i).padStart(3, '0')}.dat`;
    const size = 1000 + i * 37;
    for (const root of [l.ns, l.plain]) {
      fs.mkdirSync(path.join(root, path.dirname(rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), Buffer.alloc(size, i % 251));
      fs.utimesSync(path.join(root, rel), 1_700_000_000, 1_700_000_000);
    }
    const offset = written.get(volume) ?? 0;
    catalogue.push([rel, size, volume, Math.floor(i / VOLUMES.length) + 1, offset]);
    written.set(volume, offset + size);
    sizeOf.set(rel, size);
    volumeOf.set(rel, volume);
    if (volume === 'VOL003') {
      fs.mkdirSync(path.join(l.dst, 'copy', path.dirname(rel)), { recursive: true });
      fs.copyFileSync(path.join(l.ns, rel), path.join(l.dst, 'copy', rel));
      fs.utimesSync(path.join(l.dst, 'copy', rel), 1_700_000_000, 1_700_000_000);
    }
  }
  const catalogueFile = path.join(top, 'catalogue.json');
  const hsi = ['node', fakeHsi, '--sim', JSON.stringify(['--root', l.ns, '--volumes', '4', '--catalogue', catalogueFile, '--scale', '0'])];
  fs.writeFileSync(catalogueFile, JSON.stringify({ version: 1, volumes: VOLUMES, files: catalogue }));
  fs.writeFileSync(l.tokenFile, ADMIN_SECRET, { mode: 0o600 });
  l.config = writeServiceConfig(top, l.plain, l.dst, [
    '[endpoints.tape]', 'kind = "archive"', 'site = "here"', `path = ${JSON.stringify(l.ns)}`, 'driver = "sim"',
    `buffer = ${JSON.stringify(l.buffer)}`, 'buffer_quota = "1MiB"', 'drives = 2', 'volumes = 4', 'scale = 0',
    `catalogue = ${JSON.stringify(catalogueFile)}`, 'load_time = 20', 'read_rate = "100MB"',
    // the same archive through the command driver: a stand-in hsi that runs the simulator's CLI
    '[endpoints.hpss]', 'kind = "archive"', 'site = "here"', `path = ${JSON.stringify(l.ns)}`, 'driver = "command"',
    `buffer = ${JSON.stringify(path.join(top, 'buffer2'))}`, `buffer_quota = ${SMALL_QUOTA}`, 'drives = 3', 'robot_time = 0',
    // its ls -P line of one file is garbled: that file is not located
    `locate_command = ${JSON.stringify([...hsi, '--garble', GARBLED, '-q', 'ls', '-P', '{paths}'])}`, `stage_command = ${JSON.stringify([...hsi, '-q'])}`,
  ].join('\n'));
  // a top-level key goes before the tables
  fs.writeFileSync(l.config, `plan_rate = "50MB"\n${fs.readFileSync(l.config, 'utf8')}`);
  return { ...l, sizeOf, volumeOf };
}

const sum = (xs: Iterable<number>): number => [...xs].reduce((a, b) => a + b, 0);

void describe('barge plan through barge serve', () => {
  let l: ReturnType<typeof layout>;
  let s: Service;
  before(async () => {
    l = layout();
    s = await startService(['--config', l.config, '--state-dir', l.stateDir]);
  });
  after(async () => {
    await stopService(s);
    fs.rmSync(l.top, { recursive: true, force: true });
  });

  const cli = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    runBarge(['plan', '--server', s.url, '--token-file', l.tokenFile, ...args]);

  void test('an archive source: files, bytes and volumes of what is not up to date; the tape estimate; nothing stored or staged', async () => {
    const toCopy = [...l.volumeOf].filter(([, v]) => v !== 'VOL003').map(([p]) => p);
    const bytes = sum(toCopy.map((p) => l.sizeOf.get(p) as number));
    const r = await cli(['tape:/', 'dst:/copy', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as RequestPlan;
    assert.deepEqual(plan.files, { found: 100, toCopy: toCopy.length, upToDate: PER_VOLUME, failed: 0 });
    assert.deepEqual(plan.bytes, { found: sum(l.sizeOf.values()), toCopy: bytes });
    assert.ok(plan.tape, 'an archive source has a tape part');
    assert.equal(plan.tape.volumes, 3, 'VOL003 holds only files up to date');
    assert.equal(plan.tape.mounts, 3);
    assert.deepEqual([plan.tape.drives, plan.tape.drivesUsed], [2, 2]);
    assert.equal(plan.tape.unlocated, 0);
    // the configured costs: 20 s loads, 100 MB/s reads
    assert.ok(Math.abs(plan.tape.readSeconds - bytes / 100e6) < 1e-9, String(plan.tape.readSeconds));
    assert.ok(plan.tape.mountSeconds >= 3 * 20, String(plan.tape.mountSeconds));
    assert.ok(plan.tape.requestOrder.mounts > plan.tape.mounts, 'in the order asked the volumes alternate');
    assert.ok(plan.etaSeconds >= plan.tape.stageSeconds && plan.etaSeconds >= plan.transfer.seconds);
    assert.match(plan.note, /estimate/);
    assert.equal(plan.transfer.rate, 50e6, 'the config\'s plan_rate');

    const text = await cli(['tape:/', 'dst:/copy', '--rate', '1MB']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`files to copy +${toCopy.length} of 100 found \\(25 up to date\\)`));
    assert.match(text.stdout, /volumes +3 to mount, 2 drives/);
    assert.match(text.stdout, /mounts +3 in \d+ sessions/);
    assert.match(text.stdout, /transfer time +\S+ at 977 KiB\/s/);
    assert.match(text.stdout, /ETA +\S+/);

    const listed = await s.api<{ total: number }>('GET', '/api/requests');
    assert.equal(listed.body.total, 0, 'a plan queues nothing');
    assert.deepEqual(fs.existsSync(l.buffer) ? fs.readdirSync(l.buffer).filter((n) => !n.startsWith('.barge')) : [], [], 'nothing staged');
    assert.equal(fs.readdirSync(path.join(l.dst, 'copy')).length, 5, 'the destination is as it was');
  });

  void test('the same archive through the command driver: its ls -P places the files; a garbled line and a file larger than the buffer are named', async () => {
    const toCopy = [...l.volumeOf].filter(([p, v]) => v !== 'VOL003' && p.startsWith('d2/')).map(([p]) => p);
    const tooLarge = toCopy.filter((p) => (l.sizeOf.get(p) as number) > SMALL_QUOTA);
    const fits = toCopy.filter((p) => p !== GARBLED && !tooLarge.includes(p));
    assert.ok(tooLarge.length > 0 && fits.length > 0 && !tooLarge.includes(GARBLED));
    const r = await cli(['hpss:/d2', 'dst:/copy/d2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as RequestPlan;
    assert.deepEqual([plan.files.toCopy, plan.bytes.toCopy], [toCopy.length, sum(toCopy.map((p) => l.sizeOf.get(p) as number))]);
    assert.ok(plan.tape);
    const volumes = new Set(fits.map((p) => l.volumeOf.get(p))).size;
    assert.deepEqual([plan.tape.volumes, plan.tape.mounts, plan.tape.drives, plan.tape.unlocated, plan.tape.tooLarge], [volumes, volumes, 3, 1, tooLarge.length]);
    assert.ok(plan.tape.sessions > volumes, 'sessions of at most half the buffer');
    // a session of a file near 3,000 bytes leaves no room for a second one: one drive at a time,
    // so each volume after the first costs an unload; robot_time = 0, LTO-9's 16 s loads and 56 s unloads
    assert.equal(plan.tape.drivesUsed, 1);
    assert.equal(plan.tape.mountSeconds, volumes * 16 + (volumes - 1) * 56);
    assert.ok(Math.abs(plan.tape.readSeconds - sum(fits.map((p) => l.sizeOf.get(p) as number)) / 400e6) < 1e-9);
    // named below the source, as every path of a request
    const named = new Map(plan.errors.map((e) => [`d2/${e.path}`, e.code]));
    assert.equal(named.get(GARBLED), 'E_ARCHIVE');
    for (const p of tooLarge) assert.equal(named.get(p), 'E_BUFFER_FULL', p);
  });

  void test('POST /api/requests?dryRun=1 answers 200 with the plan and stores nothing; a bad endpoint is 400', async () => {
    const res = await s.api<RequestPlan>('POST', '/api/requests?dryRun=1', { source: 'src:/d1', destination: 'dst:/fresh', filters: { rules: [{ kind: 'exclude', pattern: 'f00*' }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const d1 = [...l.sizeOf].filter(([p]) => p.startsWith('d1/') && !p.startsWith('d1/f00'));
    assert.deepEqual([res.body.files.toCopy, res.body.bytes.toCopy, res.body.tape], [d1.length, sum(d1.map(([, n]) => n)), null]);
    // the config's plan_rate
    assert.deepEqual([res.body.transfer.rate, res.body.transfer.seconds], [50e6, res.body.bytes.toCopy / 50e6]);
    assert.equal((await s.api<{ total: number }>('GET', '/api/requests')).body.total, 0);
    assert.equal(fs.existsSync(path.join(l.dst, 'fresh')), false, 'nothing made at the destination');
    const bad = await s.api<{ error: { code: string } }>('POST', '/api/requests?dryRun=1', { source: 'nope:/', destination: 'dst:/x' });
    assert.deepEqual([bad.status, bad.body.error.code], [400, 'E_BAD_INPUT']);
  });

  void test('posix to posix through the server, and between two local directories with no server', async () => {
    const r = await cli(['src:/', 'dst:/copy', '--json', '--min-size', '2000']);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as RequestPlan;
    const big = [...l.sizeOf].filter(([p, n]) => n >= 2000 && l.volumeOf.get(p) !== 'VOL003');
    assert.deepEqual([plan.files.toCopy, plan.bytes.toCopy, plan.tape], [big.length, sum(big.map(([, n]) => n)), null]);

    const local = await runBarge(['plan', l.plain, path.join(l.dst, 'copy'), '--json']);
    assert.equal(local.code, 0, local.stderr);
    const lp = JSON.parse(local.stdout) as RequestPlan;
    assert.deepEqual([lp.files.found, lp.files.toCopy, lp.files.upToDate], [100, 75, 25]);
    const mixed = await runBarge(['plan', l.plain, 'dst:/copy']);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /both be ENDPOINT:\/path .* or both local directories/);
  });
});
