// The engine reading from an archive endpoint (the sim driver) into a posix one, through the
// registry as the agent's run-context wiring opens them: before staging every file fails
// E_NOT_STAGED (and nothing is written); once staged, a whole sync (small files, a chunked
// large one, directories) gives an identical tree; released, the buffer is empty again.
// And an archive endpoint as the config file writes it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildRunContext } from '../src/agent/build-run-context.js';
import { loadServiceConfig } from '../src/config/load-config.js';
import { defaultSyncOptions } from '../src/core/sync-options.js';
import { BandwidthLimiter } from '../src/engine/bandwidth-limiter.js';
import { sharedCells } from '../src/engine/run-context.js';
import type { SyncOutcome } from '../src/engine/sync-run.js';
import { posixEndpoint } from '../src/storage/posix/posix-kind.js';
import { openStorage, storageKind, type EndpointDescription } from '../src/storage/registry.js';
import { LTO9 } from '../src/storage/archive/sim/library.js';
import { syncInTurn } from './helpers/in-turn-sync.js';

function sync(src: EndpointDescription, dst: EndpointDescription): Promise<SyncOutcome> {
  const opts = defaultSyncOptions({ chunkCutoff: 1 << 20, chunkSize: 1 << 20 });
  return syncInTurn(buildRunContext({ src, dst, opts, nowNs: 0n, verbose: false, memory: sharedCells().memory, limiterMemory: BandwidthLimiter.sharedMemory() }));
}

/** every file below dir: size, mtime in ns and content */
function treeOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(e.parentPath, e.name);
    const st = fs.statSync(full, { bigint: true });
    out.set(path.relative(dir, full), e.isFile() ? `${st.size} ${st.mtimeNs} ${fs.readFileSync(full).toString('base64')}` : 'dir');
  }
  return out;
}

test('a sync from an archive endpoint: E_NOT_STAGED before staging, an identical tree after, an empty buffer once released', async () => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-archive-sync-'));
  try {
    const ns = path.join(top, 'archive');
    fs.mkdirSync(path.join(ns, 'a', 'b'), { recursive: true });
    const files: string[] = [];
    for (let i = 0; i < 30; i++) { fs.writeFileSync(path.join(ns, 'a', `f${i}`), `file ${i} `.repeat(i + 1)); files.push(`a/f${i}`); }
    fs.writeFileSync(path.join(ns, 'a', 'b', 'big'), Buffer.alloc(3 << 20, 9)); // chunked: cutoff 1 MiB
    files.push('a/b/big');
    const table = { path: ns, buffer: path.join(top, 'buffer'), buffer_quota: '64MiB', driver: 'sim', volumes: 4, seed: 2, scale: 0 };
    const src = storageKind('archive').parseEndpoint(table, 'e');
    const dstDir = path.join(top, 'copy');
    fs.mkdirSync(dstDir);
    const dst = posixEndpoint(dstDir);

    const before = await sync(src, dst);
    assert.equal(before.errors.length, files.length, JSON.stringify(before.errors.slice(0, 2)));
    assert.ok(before.errors.every((e) => e.code === 'E_NOT_STAGED'), JSON.stringify(before.errors.find((e) => e.code !== 'E_NOT_STAGED')));
    assert.deepEqual([...treeOf(dstDir).values()].filter((v) => v !== 'dir'), [], 'no file was written');

    const stager = openStorage(src).stager;
    assert.ok(stager);
    assert.deepEqual((await stager.stage(files)).filter((r) => r.error), []);
    const after = await sync(src, dst);
    assert.deepEqual(after.errors, []);
    assert.equal(after.counters.filesCopied, files.length);
    assert.deepEqual(treeOf(dstDir), treeOf(ns));

    await stager.release(files);
    assert.deepEqual(fs.readdirSync(path.join(top, 'buffer')).filter((n) => n !== '.barge-staging'), []);
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
});

test('barge.toml: an archive endpoint with each driver is read into its description; a bad key is named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-archive-toml-'));
  try {
    const file = path.join(dir, 'barge.toml');
    fs.writeFileSync(file, [
      '[endpoints.hpss]', 'kind = "archive"', 'site = "nersc"', 'path = "/global/archive/proj"', 'driver = "command"',
      'buffer = "/scratch/buf"', 'buffer_quota = "20TiB"', 'drives = 2',
      'locate_command = ["hsi", "-q", "ls", "-P", "{paths}"]', 'stage_command = ["hsi", "-q"]', 'archive_path = "/home/p/proj"',
      '[endpoints.demo]', 'kind = "archive"', 'site = "lab"', 'path = "/srv/demo"', 'driver = "sim"', 'buffer = "/srv/buf"',
      'buffer_quota = 1000000', 'scale = 0.0001', 'faults = "file-error=0.01, mount-failure:VOL003"', 'read_rate = "300MB"',
    ].join('\n'));
    const c = loadServiceConfig({ file, flags: {}, env: { HOME: dir } });
    assert.deepEqual(c.endpointStorage.get('hpss'), {
      kind: 'archive', path: '/global/archive/proj', buffer: '/scratch/buf', bufferQuota: 20 * 1024 ** 4, drives: 2, batchSize: 500,
      driver: { name: 'command', locate: ['hsi', '-q', 'ls', '-P', '{paths}'], stage: ['hsi', '-q'], archivePath: '/home/p/proj', timing: LTO9 },
    });
    const demo = c.endpointStorage.get('demo') as unknown as { driver: { name: string; scale: number; timing: { readRate: number; loadS: number } } };
    assert.equal(demo.driver.name, 'sim');
    assert.equal(demo.driver.scale, 0.0001);
    assert.deepEqual([demo.driver.timing.readRate, demo.driver.timing.loadS], [300e6, 16]);
    assert.equal(c.endpoints.get('hpss')?.path, 'archive:/global/archive/proj');
    assert.equal(c.endpoints.get('hpss')?.kind, 'archive');

    fs.appendFileSync(file, '\nbuffer_quotas = 5\n');
    assert.throws(() => loadServiceConfig({ file, flags: {}, env: { HOME: dir } }), { code: 'E_CONFIG', message: /endpoints\.demo\.buffer_quotas: unknown key/ });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
