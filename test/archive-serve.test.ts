// Issue 29 end to end through `barge serve` (SQLite and PostgreSQL): an archive endpoint on
// the tape simulator (20 volumes, 2,000 small files, 4 drives, a buffer of 10% of the bytes)
// synced to a posix endpoint. The tree ends identical; the buffer, watched from outside the
// process, never holds more than its quota and is empty at the end; each volume is mounted
// once (+1 for an injected mount failure). Kill -9 while staging: the next process goes on
// without reading again from tape what the buffer holds. A lost file and one larger than the
// buffer: the request fails naming both, every other file is copied.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { diffTrees } from './helpers/tree-diff.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './helpers/postgres-db.js';
import { waitUntilAsync } from './helpers/run-cli.js';
import { ADMIN_SECRET, startService, stopService, type Service } from './helpers/service.js';

interface View {
  id: string; state: string; message: string | null;
  files: { toCopy: number; copied: number; failed: number };
  staging?: { mounts: number; bufferUsedBytes: number; bufferQuotaBytes: number; files: Record<string, number> };
}

const FILES = 2000;
const DIRS = 4;
const VOLUMES = 20;

interface Setup { dir: string; ns: string; buffer: string; dst: string; quota: number; config: string; state: string }

function setup(tag: string, faults = ''): Setup {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `barge-archive-${tag}-`));
  const ns = path.join(dir, 'archive');
  const buffer = path.join(dir, 'buffer');
  const dst = path.join(dir, 'dst');
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const sub = path.join(ns, `d${i % DIRS}`);
    fs.mkdirSync(sub, { recursive: true });
    const body = `${i} `.repeat(40 + ((i * 37) % 400));
    fs.writeFileSync(path.join(sub, `f${i}.dat`), body);
    bytes += Buffer.byteLength(body);
  }
  fs.mkdirSync(dst);
  const quota = Math.floor(bytes / 10);
  const config = path.join(dir, 'barge.toml');
  fs.writeFileSync(config, [
    '[endpoints.tape]', 'kind = "archive"', 'site = "here"', `path = ${JSON.stringify(ns)}`, 'driver = "sim"',
    `buffer = ${JSON.stringify(buffer)}`, `buffer_quota = ${quota}`, 'drives = 4', `volumes = ${VOLUMES}`, 'seed = 7',
    'scale = 0.00001', `faults = ${JSON.stringify(faults)}`,
    '[endpoints.dst]', `path = ${JSON.stringify(dst)}`, 'write = true', 'site = "here"',
    '[[tokens]]', 'name = "ops"', `secret = "${ADMIN_SECRET}"`, 'role = "admin"',
  ].join('\n') + '\n');
  return { dir, ns, buffer, dst, quota, config, state: path.join(dir, 'state') };
}

/** bytes in the buffer now, files on their way in included, read from the file system */
function bufferBytes(buffer: string): number {
  let n = 0;
  try {
    for (const e of fs.readdirSync(buffer, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      try { n += fs.statSync(path.join(e.parentPath, e.name)).size; } catch { /* released meanwhile */ }
    }
  } catch { /* not made yet */ }
  return n;
}

function bufferFiles(buffer: string): string[] {
  if (!fs.existsSync(buffer)) return [];
  return fs.readdirSync(buffer, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.relative(buffer, path.join(e.parentPath, e.name)));
}

/** watches the buffer from outside the process, every few ms, for its peak */
function watchBuffer(buffer: string): { peak: () => number; stop: () => void } {
  let peak = 0;
  const t = setInterval(() => { peak = Math.max(peak, bufferBytes(buffer)); }, 5);
  return { peak: () => peak, stop: () => clearInterval(t) };
}

async function metric(s: Service, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  assert.ok(line, `${name}{${labels}} in /metrics`);
  return Number(line.split(' ').at(-1));
}

async function submit(s: Service): Promise<string> {
  const r = await s.api<{ id: string }>('POST', '/api/requests', { source: 'tape:/', destination: 'dst:/' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

async function view(s: Service, id: string): Promise<View> {
  return (await s.api<View>('GET', `/api/requests/${id}`)).body;
}

async function finished(s: Service, id: string): Promise<View> {
  let v: View | undefined;
  await waitUntilAsync(async () => {
    v = await view(s, id);
    return ['succeeded', 'failed', 'canceled'].includes(v.state);
  }, 240_000);
  return v as View;
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => { for (const c of cleanups) await c(); });

const probe = await createTestDatabase('probe');
await probe?.drop();

const engines: { name: string; db: () => Promise<string[]> }[] = [
  { name: 'SQLite', db: () => Promise.resolve([]) },
  {
    name: 'PostgreSQL',
    db: async () => {
      const d = await createTestDatabase('archive') as TestDatabase;
      cleanups.push(() => d.drop());
      return ['--db', d.url];
    },
  },
];

for (const engine of engines) {
  void describe(`staging from an archive through barge serve on ${engine.name}`, { skip: engine.name === 'PostgreSQL' && !probe ? pgSkipReason() : undefined }, () => {
    void test('2,000 files on 20 volumes, 4 drives, a buffer of 10%: identical, buffer within its quota and empty at the end, one mount a volume (+1 failed)', async () => {
      const t = setup('e2e', 'mount-failure:VOL003');
      const s = await startService(['--config', t.config, '--state-dir', t.state, ...await engine.db()]);
      const watch = watchBuffer(t.buffer);
      let sawStaging = false;
      try {
        const id = await submit(s);
        await waitUntilAsync(async () => {
          const v = await view(s, id);
          if (v.state === 'staging' && v.staging !== undefined) sawStaging = true;
          return !['queued', 'staging', 'running', 'finalizing'].includes(v.state);
        }, 240_000, 50);
        const v = await view(s, id);
        assert.equal(v.state, 'succeeded', JSON.stringify(v));
        assert.ok(sawStaging, 'the request was in state staging, with its staging figures');
        assert.equal(v.files.copied, FILES);
        assert.deepEqual(diffTrees(t.ns, t.dst), []);
        // the reaper releases as the copies land; the finisher's sweep may follow the state by a tick
        await waitUntilAsync(() => Promise.resolve(bufferFiles(t.buffer).length === 0), 10_000);
        assert.ok(watch.peak() > 0, 'the buffer was used');
        assert.ok(watch.peak() <= t.quota, `buffer peak ${watch.peak()} <= quota ${t.quota}`);
        assert.ok(await metric(s, 'barge_archive_buffer_bytes', 'kind="peak"') <= t.quota);
        assert.equal(await metric(s, 'barge_archive_mounts_total', 'endpoint="tape"'), VOLUMES + 1, 'each volume mounted once, VOL003 twice (its first mount failed)');
        assert.equal(await metric(s, 'barge_archive_files_read_total', 'endpoint="tape"'), FILES);
      } finally {
        watch.stop();
        await stopService(s);
        fs.rmSync(t.dir, { recursive: true, force: true });
      }
    });

    void test('kill -9 while staging: the next process goes on without reading again what the buffer holds; identical, buffer empty', async () => {
      const t = setup('kill');
      const args = ['--config', t.config, '--state-dir', t.state, ...await engine.db()];
      const first = await startService(args);
      let second: Service | undefined;
      try {
        const id = await submit(first);
        await waitUntilAsync(async () => {
          const v = await view(first, id);
          return v.state === 'staging' && (v.staging?.files.staged ?? 0) + (v.staging?.files.released ?? 0) > 0;
        }, 120_000, 20);
        first.proc.kill('SIGKILL');
        await first.proc.done;
        const inBuffer = bufferFiles(t.buffer).filter((f) => !f.startsWith('.barge-staging')).length;
        second = await startService(args);
        const v = await finished(second, id);
        assert.equal(v.state, 'succeeded', JSON.stringify(v));
        assert.deepEqual(diffTrees(t.ns, t.dst), []);
        await waitUntilAsync(() => Promise.resolve(bufferFiles(t.buffer).length === 0), 10_000);
        const readAgain = await metric(second, 'barge_archive_files_read_total', 'endpoint="tape"');
        assert.ok(readAgain + inBuffer <= FILES, `the second process read ${readAgain} files from tape; ${inBuffer} were in the buffer at the kill`);
      } finally {
        if (first.proc.exitCode === null) first.proc.kill('SIGKILL');
        if (second) await stopService(second);
        fs.rmSync(t.dir, { recursive: true, force: true });
      }
    });

    void test('a lost file and one larger than the buffer: the request fails naming them, every other file is copied, the buffer ends empty', async () => {
      const lost = 'd1/f5.dat';
      const big = 'd2/big.dat';
      const t = setup('lost', `lost:${lost}`);
      fs.writeFileSync(path.join(t.ns, big), Buffer.alloc(t.quota + 1, 1));
      const s = await startService(['--config', t.config, '--state-dir', t.state, ...await engine.db()]);
      try {
        const id = await submit(s);
        const v = await finished(s, id);
        assert.equal(v.state, 'failed', JSON.stringify(v));
        assert.match(v.message ?? '', new RegExp(lost.replace('.', '\\.')));
        assert.match(v.message ?? '', new RegExp(big.replace('.', '\\.')));
        assert.equal(v.files.copied, FILES - 1);
        const errors = (await s.api<{ items: { path: string; code: string; message: string }[] }>('GET', `/api/requests/${id}/errors`)).body.items;
        assert.deepEqual(errors.map((e) => [e.path, e.code]).sort(), [[lost, 'E_ARCHIVE'], [big, 'E_BUFFER_FULL']]);
        assert.match(errors.find((e) => e.path === big)?.message ?? '', /more than the buffer's quota .* can never be staged/);
        assert.deepEqual(diffTrees(t.ns, t.dst, { ignore: (rel) => rel === lost || rel === big, dirMtimes: false }), []);
        assert.equal(fs.existsSync(path.join(t.dst, lost)), false);
        await waitUntilAsync(() => Promise.resolve(bufferFiles(t.buffer).length === 0), 10_000);
      } finally {
        await stopService(s);
        fs.rmSync(t.dir, { recursive: true, force: true });
      }
    });
  });
}

void test('without its built-in agent the coordinator refuses a request from an archive, saying why', async () => {
  const t = setup('remote');
  const s = await startService(['--config', t.config, '--state-dir', t.state, '--no-local-agent']);
  try {
    const r = await s.api<{ error: { code: string; message: string } }>('POST', '/api/requests', { source: 'tape:/', destination: 'dst:/' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'E_BAD_INPUT');
    assert.match(r.body.error.message, /endpoint 'tape' is an archive, and archives are staged by a coordinator with its built-in agent/);
  } finally {
    await stopService(s);
    fs.rmSync(t.dir, { recursive: true, force: true });
  }
});
