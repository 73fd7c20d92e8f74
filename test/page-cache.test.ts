// The source's bytes leave the page cache behind the copy (barge sync and service
// requests), as do what --checksum only read (here, or on an agent that hashed it), and
// stay with --keep-cache.
// What is cached is read with util-linux's fincore (mincore(2) on each file), not with
// barge's own code; the files are written and flushed first, so every page is clean.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { openReader } from '../src/storage/posix/posix-reader.js';
import { AGENT_TOKEN, startLoneAgent } from './helpers/lone-agent.js';
import { runBarge } from './helpers/run-cli.js';
import { ADMIN_SECRET, startService, stopService, writeServiceConfig } from './helpers/service.js';

const MiB = 1024 * 1024;
/** the page cache holds whole pages: a file's last one counts in full */
const inPages = (size: number): number => Math.ceil(size / 4096) * 4096;

function residentBytes(file: string): number {
  let out: string;
  try {
    out = execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' });
  } catch (e) {
    throw new Error(`fincore (Debian package util-linux) is needed to see what is cached: ${(e as Error).message}`);
  }
  return Number(out.trim());
}

/**
 * What barge leaves cached: all of the file's pages, give or take a few the kernel
 * reclaims on its own meanwhile (seen once in CI: 5 of 769 pages, with memory to spare;
 * on a VM the host can take memory back). Dropped is exactly 0; kept is at least 90%.
 */
function assertCached(file: string, size: number, keep: boolean, message: string): void {
  const resident = residentBytes(file);
  if (!keep) assert.equal(resident, 0, message);
  else assert.ok(resident >= 0.9 * inPages(size) && resident <= inPages(size), `${message} (${resident} of ${inPages(size)} bytes cached)`);
}

/** a file of `size` bytes, flushed to disk and read back whole: all of it cached, none dirty */
function cachedFile(file: string, size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE((i * 2654435761 + seed) >>> 0, Math.min(i, size - 4));
  fs.writeFileSync(file, bytes);
  const fd = fs.openSync(file, 'r');
  try { fs.fdatasyncSync(fd); } finally { fs.closeSync(fd); }
  fs.readFileSync(file);
  assert.equal(residentBytes(file), inPages(size), `${file} should be cached whole before the test (is ${os.tmpdir()} a disk file system?)`);
  return bytes;
}

async function tempDir(t: { after: (fn: () => void) => void }): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'barge-page-cache-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a posix reader drops released bytes in whole 2 MiB steps, and only those', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'f.bin');
  const size = 12 * MiB;
  cachedFile(file, size, 1);
  const buf = Buffer.alloc(256 * 1024);

  const r1 = openReader(file, 'f.bin');
  for (let at = 0; at < 5 * MiB; at += buf.length) {
    assert.equal(await r1.read(buf, buf.length, at), buf.length);
    r1.release?.(at, buf.length);
  }
  // [4, 5) MiB was released, but its step is not whole: it stays until close
  assert.equal(residentBytes(file), size - 4 * MiB);
  await r1.close();
  assert.equal(residentBytes(file), size - 6 * MiB, 'close drops up to the end of the last step');

  // a reader that starts further on leaves what lies before its range
  const r2 = openReader(file, 'f.bin');
  r2.release?.(8 * MiB, 2 * MiB);
  await r2.close();
  assert.equal(residentBytes(file), size - 8 * MiB, '[6, 8) MiB was not released and stays');
});

test('barge sync drops the bytes it copied from the page cache; --keep-cache leaves them', async (t) => {
  const dir = await tempDir(t);
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  // whole-file copies (one of an odd size) and, with the cutoff below, a chunked one
  const sizes: Record<string, number> = { 'whole.bin': 3 * MiB + 5, 'chunked.bin': 12 * MiB + 123, 'small.bin': 100 * 1024 };
  const content = new Map(Object.entries(sizes).map(([name, size], i) => [name, cachedFile(path.join(src, name), size, i)]));
  const flags = ['--chunk-cutoff', '8M', '--chunk-size', '4M'];

  const dropped = await runBarge(['sync', '-q', ...flags, src, path.join(dir, 'a')]);
  assert.equal(dropped.code, 0, dropped.stderr);
  for (const name of ['whole.bin', 'chunked.bin']) assert.equal(residentBytes(path.join(src, name)), 0, `${name} left in the page cache`);

  const kept = await runBarge(['sync', '-q', '--keep-cache', ...flags, src, path.join(dir, 'b')]);
  assert.equal(kept.code, 0, kept.stderr);
  for (const name of ['whole.bin', 'chunked.bin']) {
    assertCached(path.join(src, name), sizes[name] ?? 0, true, `${name} should stay cached with --keep-cache`);
  }

  for (const to of ['a', 'b']) {
    for (const [name, bytes] of content) assert.ok(fs.readFileSync(path.join(dir, to, name)).equals(bytes), `${to}/${name} differs from the source`);
  }
});

test('--checksum drops the bytes it only read, on both sides; --keep-cache leaves them', async (t) => {
  const dir = await tempDir(t);
  const size = 3 * MiB + 5;
  for (const keep of [false, true]) {
    const src = path.join(dir, String(keep), 'src');
    const dst = path.join(dir, String(keep), 'dst');
    fs.mkdirSync(src, { recursive: true });
    fs.mkdirSync(dst, { recursive: true });
    // the same bytes on both sides (found equal: only read), and a file of the same size
    // whose bytes differ (read, then copied)
    const same = cachedFile(path.join(src, 'same.bin'), size, 7);
    cachedFile(path.join(dst, 'same.bin'), size, 7);
    const differs = cachedFile(path.join(src, 'differs.bin'), size, 8);
    cachedFile(path.join(dst, 'differs.bin'), size, 9);
    // another mtime on DST, so that only the hashes tell equal from changed
    for (const name of ['same.bin', 'differs.bin']) fs.utimesSync(path.join(dst, name), 1_000_000, 1_000_000);

    const r = await runBarge(['sync', '--checksum', '--json', ...(keep ? ['--keep-cache'] : []), src, dst]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { filesCopied: number }).filesCopied, 1, 'differs.bin alone is copied');
    for (const file of [path.join(src, 'same.bin'), path.join(dst, 'same.bin'), path.join(src, 'differs.bin')]) {
      assertCached(file, size, keep, `${file}: ${keep ? 'should stay cached with --keep-cache' : 'left in the page cache'}`);
    }
    assert.ok(fs.readFileSync(path.join(dst, 'same.bin')).equals(same));
    assert.ok(fs.readFileSync(path.join(dst, 'differs.bin')).equals(differs), 'differs.bin is copied');
  }
});

test('--checksum against an agent: the agent drops what it hashed; --keep-cache leaves it', async (t) => {
  const dir = await tempDir(t);
  const size = 3 * MiB + 5;
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);
  const agent = await startLoneAgent(dir, [`inbox=${inbox}:rw`]);
  try {
    for (const keep of [false, true]) {
      const src = path.join(dir, String(keep));
      const dst = path.join(inbox, String(keep));
      fs.mkdirSync(src);
      fs.mkdirSync(dst);
      const same = cachedFile(path.join(src, 'same.bin'), size, 21);
      cachedFile(path.join(dst, 'same.bin'), size, 21);
      fs.utimesSync(path.join(dst, 'same.bin'), 1_000_000, 1_000_000);
      const r = await runBarge(['sync', '--checksum', '--json', ...(keep ? ['--keep-cache'] : []), src, agent.url('inbox', String(keep))],
        { env: { BARGE_TOKEN: AGENT_TOKEN } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { filesCopied: number }).filesCopied, 0, 'found equal: nothing copied');
      assertCached(path.join(dst, 'same.bin'), size, keep,
        keep ? 'the agent leaves what it hashed cached with --keep-cache' : 'the agent left what it hashed in the page cache');
      assert.ok(fs.readFileSync(path.join(dst, 'same.bin')).equals(same));
    }
  } finally {
    await agent.stop();
  }
});

test('a service request drops what its agent copied from the page cache; keepCache leaves it', async (t) => {
  const dir = await tempDir(t);
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  fs.mkdirSync(src);
  fs.mkdirSync(dst);
  const size = 3 * MiB + 5;
  const bytes = cachedFile(path.join(src, 'f.bin'), size, 11);
  const s = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory']);
  try {
    for (const keep of [false, true]) {
      fs.readFileSync(path.join(src, 'f.bin'));
      assert.equal(residentBytes(path.join(src, 'f.bin')), inPages(size), 'cached before the request');
      const to = keep ? 'kept' : 'dropped';
      const r = await runBarge(['submit', 'src:/', `dst:/${to}`, '--watch', '--server', s.url, ...(keep ? ['--keep-cache'] : [])],
        { env: { BARGE_TOKEN: ADMIN_SECRET } });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assertCached(path.join(src, 'f.bin'), size, keep, keep ? 'keepCache: should stay cached' : 'left in the page cache');
      assert.ok(fs.readFileSync(path.join(dst, to, 'f.bin')).equals(bytes), `${to}/f.bin differs from the source`);
    }
  } finally {
    await stopService(s);
  }
});
