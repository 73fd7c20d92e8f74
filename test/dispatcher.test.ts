// The dispatcher's policy over real stores (memory, a SQLite file, PostgreSQL): fair share by
// priority, slots one request cannot fill spilled to the others, the agent's endpoints and
// requests; and the store asked once per lease in the common case. These lease tests were
// the state conformance suite's while the store decided who got a lease.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { Dispatcher, PREFETCH_MAX_BYTES } from '../src/coordinator/dispatcher.js';
import { openMemoryStore } from '../src/state/memory/open-memory.js';
import { openPostgresStore } from '../src/state/postgres/open-postgres.js';
import { openSqliteStore } from '../src/state/sqlite/open-sqlite.js';
import type { NewRequest, NewTask, StateStore } from '../src/state/state-store.js';
import { createTestDatabase, pgSkipReason } from './helpers/postgres-db.js';

// without a server the PostgreSQL runs are skipped (under CI=true, createTestDatabase fails instead)
const probe = await createTestDatabase('probe');
await probe?.drop();

const T0 = 1_700_000_000_000;

interface Opened { store: StateStore; cleanup(): Promise<void> }

const engines: [string, () => Promise<Opened>][] = [
  ['memory', async () => {
    const store = await openMemoryStore();
    return { store, cleanup: () => store.close() };
  }],
  ['sqlite', async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'barge-dispatch-'));
    const store = await openSqliteStore(path.join(dir, 'state.sqlite'));
    return { store, cleanup: async () => { await store.close(); await fs.promises.rm(dir, { recursive: true, force: true }); } };
  }],
  ['postgres', async () => {
    const db = await createTestDatabase('dispatch');
    if (!db) throw new Error(pgSkipReason());
    const store = await openPostgresStore(db.url);
    return { store, cleanup: async () => { await store.close(); await db.drop(); } };
  }],
];

function req(id: string, over: Partial<NewRequest> = {}): NewRequest {
  return { id, priority: 5, source: 'a:/x', destination: 'b:/', srcEndpoint: 'a', dstEndpoint: 'b', spec: '{}', ...over };
}

function task(kind: string, payload: string): NewTask {
  return { kind, phase: 0, payload, items: 1, bytes: 10 };
}

async function running(s: StateStore, id: string, over: Partial<NewRequest> = {}): Promise<void> {
  assert.equal(await s.createRequest(req(id, over), T0), true);
  assert.equal(await s.setRequestState(id, ['queued'], 'running', T0), true);
}

/** the store, counting the calls a lease makes of it */
function counted(store: StateStore): { store: StateStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, key, receiver): unknown {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof v !== 'function' || typeof key !== 'string') return v;
      return (...args: unknown[]): unknown => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

for (const [engine, open] of engines) {
  const skip = engine === 'postgres' && !probe ? pgSkipReason() : undefined;
  void describe(`Dispatcher over ${engine}`, () => {
    const it = (title: string, body: (s: StateStore, d: Dispatcher) => Promise<void>): void => {
      void test(title, { skip }, async () => {
        const h = await open();
        try { await body(h.store, new Dispatcher(h.store)); } finally { await h.cleanup(); }
      });
    };

    it('leases the higher priority first when capacity is short', async (s, d) => {
      await running(s, 'low', { priority: 1 });
      await running(s, 'high', { priority: 10 });
      await s.enqueue('low', [task('copy', 'l')], T0);
      await s.enqueue('high', [task('copy', 'h')], T0);
      assert.deepEqual((await d.lease('ag', { capacity: 1, leaseMs: 1000 }, T0)).map((t) => t.payload), ['h']);
    });

    it('shares leases between running requests by priority, none starved; slots one cannot fill go to the others', async (s, d) => {
      await running(s, 'lo', { priority: 2 });
      await running(s, 'hi', { priority: 8 });
      await s.enqueue('lo', Array.from({ length: 60 }, (_, i) => task('copy', `lo${i}`)), T0);
      await s.enqueue('hi', Array.from({ length: 60 }, (_, i) => task('copy', `hi${i}`)), T0);
      const byRequest = new Map<string, number>();
      for (let i = 0; i < 50; i++) {
        const [t] = await d.lease('ag', { capacity: 1, leaseMs: 60_000 }, T0);
        assert.ok(t);
        byRequest.set(t.requestId, (byRequest.get(t.requestId) ?? 0) + 1);
      }
      assert.deepEqual([byRequest.get('hi'), byRequest.get('lo')], [40, 10], 'in proportion 8:2');
      // hi has 20 queued, lo 50: a lease of 40 takes every one of hi's and fills the rest from lo
      const big = await d.lease('ag', { capacity: 40, leaseMs: 60_000 }, T0);
      assert.equal(big.length, 40);
      assert.equal(big.filter((t) => t.requestId === 'hi').length, 20);
    });

    it('leases only requests whose endpoints the agent reaches', async (s, d) => {
      await running(s, 'ab');
      await running(s, 'cd', { srcEndpoint: 'c', dstEndpoint: 'd' });
      await s.enqueue('ab', [task('copy', 'ab')], T0);
      await s.enqueue('cd', [task('copy', 'cd')], T0);
      assert.deepEqual((await d.lease('ag', { capacity: 5, leaseMs: 1000, endpoints: ['c', 'd'] }, T0)).map((t) => t.payload), ['cd']);
    });

    it('leases only from the requests named (where placement lets the agent work)', async (s, d) => {
      await running(s, 'ra');
      await running(s, 'rb');
      await s.enqueue('ra', [task('copy', 'a1')], T0);
      await s.enqueue('rb', [task('copy', 'b1')], T0);
      assert.deepEqual(await d.lease('ag', { capacity: 5, leaseMs: 1000, requests: [] }, T0), []);
      const got = await d.lease('ag', { capacity: 5, leaseMs: 1000, requests: ['rb'] }, T0);
      assert.deepEqual(got.map((t) => t.payload), ['b1']);
    });

    it('beyond what the agent starts at once, a lease takes only small tasks; the large ones stay queued for the next free agent, none skipped', async (s, d) => {
      await running(s, 'r');
      const big = PREFETCH_MAX_BYTES + 1;
      const sized = (payload: string, bytes: number): NewTask => ({ ...task('copy', payload), bytes });
      await s.enqueue('r', [sized('L1', big), sized('L2', big), sized('s1', 10), sized('L3', big), sized('s2', PREFETCH_MAX_BYTES)], T0);
      const first = await d.lease('ag', { capacity: 4, leaseMs: 60_000, startable: 1 }, T0);
      assert.deepEqual(first.map((t) => t.payload), ['L1', 's1', 's2'], 'one of any size, then only small ones');
      assert.deepEqual((await d.lease('ag2', { capacity: 4, leaseMs: 60_000, startable: 0 }, T0)).map((t) => t.payload), [], 'no thread free: no large task');
      // the cursor did not move past the large tasks the small-only pick passed over
      assert.deepEqual((await d.lease('ag3', { capacity: 4, leaseMs: 60_000 }, T0)).map((t) => t.payload), ['L2', 'L3']);
    });

    it('asks the store once per lease while every request fills its share, twice when one falls short', async (s) => {
      await running(s, 'r1');
      await running(s, 'r2');
      await s.enqueue('r1', Array.from({ length: 10 }, (_, i) => task('copy', `a${i}`)), T0);
      await s.enqueue('r2', [task('copy', 'b0')], T0);
      const c = counted(s);
      const d = new Dispatcher(c.store);
      assert.equal((await d.lease('ag', { capacity: 2, leaseMs: 1000 }, T0)).length, 2);
      assert.deepEqual([c.calls.get('runnableRequests'), c.calls.get('leaseWithin')], [1, 1]);
      // r2 has nothing left: its share spills to r1 in a second call
      assert.equal((await d.lease('ag', { capacity: 2, leaseMs: 1000 }, T0)).length, 2);
      assert.deepEqual([c.calls.get('runnableRequests'), c.calls.get('leaseWithin')], [2, 3]);
    });
  });
}
