import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyCounters } from '../core/counters.js';
import type { RequestRecord } from '../state/state-store.js';
import { requestView } from './request-view.js';

function record(id: string, spec: object): RequestRecord {
  return {
    id, priority: 5, source: 'a:/', destination: 'b:/', srcEndpoint: 'a', dstEndpoint: 'b', spec: JSON.stringify(spec),
    state: 'running', phase: 0, counters: emptyCounters(), message: null, pausedFrom: null,
    createdAt: 1000, startedAt: 1000, finishedAt: null, updatedAt: 1000, submittedBy: 'ops',
  };
}

test("a view shows the request's options as posted, but its file list only as a count", () => {
  const files = Array.from({ length: 100_000 }, (_, i) => `d/f${i}`);
  const v = requestView(record('with-list', { id: 'with-list', source: 'a:/', destination: 'b:/', priority: 5, delete: true, files }), false, 2000);
  assert.deepEqual(v.options, { delete: true, filesListed: 100_000 });
  assert.ok(JSON.stringify(v).length < 2000, 'the view stays small whatever the list');
  const plain = requestView(record('plain', { source: 'a:/', destination: 'b:/', checksum: true }), false, 2000);
  assert.deepEqual(plain.options, { checksum: true });
});
