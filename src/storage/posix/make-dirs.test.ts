import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeDirs } from './make-dirs.js';

const work = mkdtempSync(join(tmpdir(), 'barge-make-dirs-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('makes every missing level; an existing directory is fine', () => {
  const deep = join(work, 'a', 'b', 'c');
  makeDirs(deep);
  assert.ok(statSync(deep).isDirectory());
  makeDirs(deep);
  mkdirSync(join(work, 'x'));
  makeDirs(join(work, 'x'));
  assert.ok(statSync(join(work, 'x')).isDirectory());
});

test('a file on the way is ENOTDIR, and nothing is made under it', () => {
  writeFileSync(join(work, 'f'), 'x');
  assert.throws(() => makeDirs(join(work, 'f', 'sub')), { code: 'ENOTDIR' });
  assert.throws(() => makeDirs(join(work, 'f')), { code: 'ENOTDIR' });
});

test('where mkdir answers ENOENT under an existing parent (/proc) it fails rather than spins', { skip: existsSync('/proc/self') ? undefined : 'needs Linux /proc' }, () => {
  assert.throws(() => makeDirs('/proc/barge-none/deeper'), { code: 'ENOENT' });
});
