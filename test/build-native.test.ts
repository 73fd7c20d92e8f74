// scripts/build-native.js, the package's `install` script, run in a copy of the package's
// native sources with a node-gyp on PATH that only records that it was called: an addon
// that is current is kept; a missing, older or unloadable one is rebuilt.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, beforeEach, test } from 'node:test';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const script = join(repo, 'scripts', 'build-native.js');
const work = mkdtempSync(join(tmpdir(), 'barge-build-native-'));
const pkg = join(work, 'pkg');
const fakeBin = join(work, 'bin');
const called = join(work, 'node-gyp-called');
const addon = join(pkg, 'build', 'Release', 'barge_native.node');

mkdirSync(fakeBin);
writeFileSync(join(fakeBin, 'node-gyp'), `#!/bin/sh\necho "$@" > '${called}'\n`);
chmodSync(join(fakeBin, 'node-gyp'), 0o755);
after(() => rmSync(work, { recursive: true, force: true }));

beforeEach(() => {
  rmSync(pkg, { recursive: true, force: true });
  rmSync(called, { force: true });
  mkdirSync(join(pkg, 'build', 'Release'), { recursive: true });
  cpSync(join(repo, 'binding.gyp'), join(pkg, 'binding.gyp'));
  cpSync(join(repo, 'src', 'native'), join(pkg, 'src', 'native'), { recursive: true });
  cpSync(join(repo, 'build', 'Release', 'barge_native.node'), addon);
  // sources older than the addon, as after a build
  const past = new Date(Date.now() - 3600_000);
  const sources = ['binding.gyp', ...readdirSync(join(pkg, 'src', 'native')).map((n) => join('src', 'native', n))];
  for (const f of sources) utimesSync(join(pkg, f), past, past);
});

function install(): { status: number | null; out: string; rebuilt: boolean } {
  const r = spawnSync(process.execPath, [script], {
    cwd: pkg, encoding: 'utf8', env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH ?? ''}` },
  });
  return { status: r.status, out: r.stdout + r.stderr, rebuilt: existsSync(called) };
}

test('a current addon that loads is kept, and node-gyp is not run', () => {
  const r = install();
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /is up to date/);
  assert.equal(r.rebuilt, false);
});

test('a missing addon is built with node-gyp rebuild', () => {
  rmSync(addon);
  const r = install();
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /does not exist/);
  assert.equal(r.rebuilt, true);
});

test('a source newer than the addon makes it rebuild, and the output names that source', () => {
  const future = new Date(Date.now() + 60_000);
  utimesSync(join(pkg, 'src', 'native', 'page_cache.c'), future, future);
  const r = install();
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /page_cache\.c is newer than/);
  assert.equal(r.rebuilt, true);
});

test('an addon that does not load (another ABI, or damaged) is rebuilt', () => {
  writeFileSync(addon, 'not a shared object');
  const future = new Date(Date.now() + 60_000);
  utimesSync(addon, future, future);
  const r = install();
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /does not load in Node\.js/);
  assert.equal(r.rebuilt, true);
});

test('a node-gyp that fails makes the install fail', () => {
  rmSync(addon);
  writeFileSync(join(fakeBin, 'node-gyp'), '#!/bin/sh\nexit 3\n');
  try {
    assert.equal(install().status, 3);
  } finally {
    writeFileSync(join(fakeBin, 'node-gyp'), `#!/bin/sh\necho "$@" > '${called}'\n`);
  }
});

test('BARGE_REBUILD_NATIVE=1 rebuilds a current addon', () => {
  const r = spawnSync(process.execPath, [script], {
    cwd: pkg, encoding: 'utf8',
    env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH ?? ''}`, BARGE_REBUILD_NATIVE: '1' },
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(existsSync(called), true);
});
