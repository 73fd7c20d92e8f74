import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { looseAncestors, rootSwapWarning } from './root-ancestors.js';

test('a directory above a root that others can write without a sticky bit is named; sticky or private ones are not', (t) => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-anc-'));
  t.after(() => fs.rmSync(top, { recursive: true, force: true }));
  const shared = path.join(top, 'shared');
  const root = path.join(shared, 'inner', 'root');
  fs.mkdirSync(root, { recursive: true });
  fs.chmodSync(top, 0o700);
  fs.chmodSync(shared, 0o777);
  assert.deepEqual(looseAncestors(root).filter((l) => l.startsWith(top)), [`${shared} is writable by every user (mode 0777, no sticky bit)`]);
  fs.chmodSync(shared, 0o775);
  assert.deepEqual(looseAncestors(root).filter((l) => l.startsWith(top)), [`${shared} is writable by its group ${fs.statSync(shared).gid} (mode 0775, no sticky bit)`]);
  fs.chmodSync(shared, 0o1777);
  assert.deepEqual(looseAncestors(root).filter((l) => l.startsWith(top)), []);
  fs.chmodSync(shared, 0o755);
  assert.deepEqual(looseAncestors(root).filter((l) => l.startsWith(top)), []);
  // another owner of a directory above (judged as if we were a user other than its owner)
  const owner = fs.statSync(shared).uid;
  assert.match(rootSwapWarning('endpoint x', root, owner + 1) ?? '', owner === 0 ? /^$/ : new RegExp(`belongs to user ${owner}`));
});
