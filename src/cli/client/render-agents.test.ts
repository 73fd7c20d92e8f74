import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentView } from './api-types.js';
import { agentsTable, auditLines } from './render-agents.js';

const NOW = new Date('2026-11-22T10:05:00.000Z');

function agent(over: Partial<AgentView>): AgentView {
  return {
    id: 'a1', name: 'a1', site: 'a', endpoints: ['panda'], coordinator: 'c', startedAt: '2026-11-22T09:00:00.000Z',
    lastSeen: '2026-11-22T10:04:58.000Z', state: 'alive', slots: 4, running: 1, dataAddress: '10.0.0.1:7701', version: '0.2.0', ...over,
  };
}

test('the agents table: one row an agent, a lost one says since when, a local-only one has no data address, one enrolled before versions were kept none', () => {
  const text = agentsTable([
    agent({}),
    agent({ name: 'b1', site: 'b', endpoints: ['badger', 'otter'], state: 'lost', lastSeen: '2026-11-22T10:00:00.000Z', lostSince: '2026-11-22T10:00:30.000Z', running: 0 }),
    agent({ name: 'c/local', dataAddress: undefined, version: undefined }),
  ], NOW);
  const lines = text.split('\n');
  assert.match(lines[0] ?? '', /^NAME +SITE +STATE +LAST-SEEN +RUNNING\/SLOTS +ENDPOINTS +DATA-ADDRESS +VERSION$/);
  assert.match(lines[1] ?? '', /^a1 +a +alive +2\.0s ago +1\/4 +panda +10\.0\.0\.1:7701 +0\.2\.0$/);
  assert.match(lines[2] ?? '', /^b1 +b +lost \(4m30s ago\) +5m00s ago +0\/4 +badger,otter +10\.0\.0\.1:7701 +0\.2\.0$/);
  assert.match(lines[3] ?? '', /^c\/local .* - +-$/);
});

test('audit lines: oldest first, who, and what the action carried; a longer history says how many more', () => {
  const items = [
    { at: '2026-11-22T10:00:00.000Z', actor: 'ops', action: 'submit', detail: null },
    { at: '2026-11-22T10:01:00.000Z', actor: 'lead', action: 'priority', detail: '9' },
  ];
  assert.deepEqual(auditLines({ items, total: 2, nextOffset: null }), [
    '  2026-11-22T10:00:00.000Z  submit    by ops',
    '  2026-11-22T10:01:00.000Z  priority  by lead (9)',
  ]);
  assert.equal(auditLines({ items, total: 5, nextOffset: 2 }).at(-1), '  ... and 3 more (GET /api/requests/ID/audit)');
  assert.deepEqual(auditLines({ items: [], total: 0, nextOffset: null }), []);
});
