import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkMaxDelete, DELETE_BATCH, deleteBlockedBy, deleteTasks, needsDeleteCount, notReplacedError, replaceItems } from './delete-gate.js';

test('the delete pass is blocked by any error, with the count in the reason', () => {
  assert.equal(deleteBlockedBy(0, 'run'), undefined);
  assert.equal(deleteBlockedBy(3, 'run'), '3 errors in this run');
  assert.equal(deleteBlockedBy(1, 'request'), '1 error in this request');
});

test('counting comes first with a limit or a dry run', () => {
  assert.equal(needsDeleteCount(undefined, false), false);
  assert.equal(needsDeleteCount(0, false), true);
  assert.equal(needsDeleteCount(undefined, true), true);
});

test('max-delete: at the limit deletes, above it fails with the option as each front end spells it', () => {
  assert.equal(checkMaxDelete(5, undefined, '--max-delete'), undefined);
  assert.equal(checkMaxDelete(5, 5, '--max-delete'), undefined);
  const cli = checkMaxDelete(6, 5, '--max-delete');
  assert.equal(cli?.error.code, 'E_MAX_DELETE');
  assert.equal(cli?.error.message, '6 entries would be deleted, more than --max-delete 5: nothing deleted');
  assert.equal(cli?.reason, 'more than --max-delete 5');
  const svc = checkMaxDelete(1, 0, 'maxDelete');
  assert.equal(svc?.error.message, '1 entries would be deleted, more than maxDelete 0: nothing deleted');
  assert.equal(svc?.reason, 'more than maxDelete 0');
});

test('directories in the way: delete entries, and the error when they stay', () => {
  assert.deepEqual(replaceItems(['a', 'b/c']), [{ rel: 'a', type: 'dir', insideListedDir: false }, { rel: 'b/c', type: 'dir', insideListedDir: false }]);
  const e = notReplacedError('delete pass skipped: 2 errors in this request');
  assert.equal(e.code, 'E_EXISTS');
  assert.equal(e.message, 'a non-empty directory is in the way and was not replaced: delete pass skipped: 2 errors in this request');
});

test('delete tasks come in batches of DELETE_BATCH, in order', () => {
  assert.deepEqual(deleteTasks([], false), []);
  const items = replaceItems(Array.from({ length: DELETE_BATCH * 2 + 1 }, (_, k) => `d${k}`));
  const tasks = deleteTasks(items, true);
  assert.deepEqual(tasks.map((t) => t.items.length), [DELETE_BATCH, DELETE_BATCH, 1]);
  assert.ok(tasks.every((t) => t.kind === 'delete' && t.countOnly));
  assert.deepEqual(tasks.flatMap((t) => t.items), items);
});
