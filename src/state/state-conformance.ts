// The StateStore conformance suite: what every engine must do, registered as node:test
// tests. An engine's test file calls stateConformance with a factory of fresh stores;
// `second` opens another store on the same database (another coordinator) where the
// engine has such a thing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AgentRecord, Completion, NewTask, StateStore } from './state-store.js';
import { auditConformance } from './audit-conformance.js';
import { inboxKeysConformance } from './inbox-keys-conformance.js';
import { heldTasksConformance } from './held-tasks-conformance.js';

export interface StoreUnderTest {
  store: StateStore;
  second?: () => Promise<StateStore>;
  cleanup(): Promise<void>;
}

import { lease, req, running, task, T0 } from './conformance-helpers.js';
import { cleanupConformance } from './cleanup-conformance.js';

export function stateConformance(name: string, make: () => Promise<StoreUnderTest | undefined>, skip?: string): void {
  const it = (title: string, body: (h: StoreUnderTest) => Promise<void>): void => {
    void test(title, { skip }, async () => {
      const h = await make();
      assert.ok(h, 'the engine could not be opened');
      try { await body(h); } finally { await h.cleanup(); }
    });
  };

  void describe(`StateStore conformance: ${name}`, () => {
    it('creates a request once; a second create with the same id is refused', async ({ store: s }) => {
      assert.equal(await s.createRequest(req('r1'), T0), true);
      assert.equal(await s.createRequest(req('r1', { priority: 9 }), T0 + 1), false);
      const r = await s.getRequest('r1');
      assert.equal(r?.state, 'queued');
      assert.equal(r?.priority, 5);
      assert.equal(r?.counters.filesCopied, 0);
      assert.equal(await s.getRequest('nope'), undefined);
    });

    it('leases only from the requests named; reads a held task back; keeps the first value of a setting', async ({ store: s }) => {
      await running(s, 'ra');
      await running(s, 'rb');
      await s.enqueue('ra', [task('copy', 'a1')], T0);
      await s.enqueue('rb', [task('copy', 'b1')], T0);
      assert.deepEqual(await lease(s, 'ag', { capacity: 5, leaseMs: 1000, requests: [] }, T0), []);
      const got = await lease(s, 'ag', { capacity: 5, leaseMs: 1000, requests: ['rb'] }, T0);
      assert.deepEqual(got.map((t) => t.payload), ['b1']);
      const held = await s.heldTask('ag', got[0]?.id ?? -1);
      assert.equal(held?.payload, 'b1');
      assert.equal(held?.requestId, 'rb');
      assert.equal(await s.heldTask('other-agent', got[0]?.id ?? -1), undefined);
      assert.equal(await s.settingOrInit('k', 'first'), 'first');
      assert.equal(await s.settingOrInit('k', 'second'), 'first');
    });

    it('lists requests newest first, filtered by state, with paging and a total', async ({ store: s }) => {
      for (let i = 0; i < 5; i++) await s.createRequest(req(`r${i}`), T0 + i);
      await s.setRequestState('r1', ['queued'], 'running', T0 + 10);
      const all = await s.listRequests({ limit: 2, offset: 0 });
      assert.deepEqual(all.items.map((r) => r.id), ['r4', 'r3']);
      assert.equal(all.total, 5);
      const next = await s.listRequests({ limit: 2, offset: 4 });
      assert.deepEqual(next.items.map((r) => r.id), ['r0']);
      const run = await s.listRequests({ states: ['running'], limit: 10, offset: 0 });
      assert.deepEqual(run.items.map((r) => r.id), ['r1']);
      assert.equal(run.total, 1);
    });

    it('moves state only from the states given, and stamps start and finish', async ({ store: s }) => {
      await s.createRequest(req('r'), T0);
      assert.equal(await s.setRequestState('r', ['running'], 'succeeded', T0 + 1), false);
      assert.equal(await s.setRequestState('r', ['queued'], 'running', T0 + 2), true);
      assert.equal(await s.setRequestState('r', ['running'], 'paused', T0 + 3, { pausedFrom: 'running' }), true);
      assert.equal((await s.getRequest('r'))?.pausedFrom, 'running');
      assert.equal(await s.setRequestState('r', ['paused'], 'running', T0 + 4, { pausedFrom: null }), true);
      assert.equal(await s.setRequestState('r', ['running'], 'failed', T0 + 5, { message: 'why' }), true);
      const r = await s.getRequest('r');
      assert.equal(r?.startedAt, T0 + 2);
      assert.equal(r?.finishedAt, T0 + 5);
      assert.equal(r?.message, 'why');
    });

    it('leases only queued tasks of running requests, at their phase, when due, by priority', async ({ store: s }) => {
      await s.createRequest(req('waiting'), T0);
      await s.enqueue('waiting', [task('scan', 'w')], T0);
      await running(s, 'low', { priority: 2 });
      await running(s, 'high', { priority: 9 });
      await s.enqueue('low', [task('copy', 'l1'), task('copy', 'l-later', { phase: 1 }), task('copy', 'l-future', { notBefore: T0 + 60_000 })], T0);
      await s.enqueue('high', [task('copy', 'h1'), task('copy', 'h2')], T0);
      const got = await lease(s, 'ag', { capacity: 10, leaseMs: 1000 }, T0);
      assert.deepEqual(got.map((t) => t.payload).sort(), ['h1', 'h2', 'l1']);
      const firstTwo = await lease(s, 'ag2', { capacity: 10, leaseMs: 1000 }, T0);
      assert.equal(firstTwo.length, 0, 'nothing leased twice');
      assert.ok(got.every((t) => t.attempts === 1 && t.leaseExpires === T0 + 1000));
      const later = await lease(s, 'ag', { capacity: 10, leaseMs: 1000 }, T0 + 60_000);
      assert.deepEqual(later.map((t) => t.payload), ['l-future']);
    });

    it('completes copy reports in one batch: held tasks only, counters summed per request, manifest upserted', async ({ store: s }) => {
      await running(s, 'r1');
      await running(s, 'r2');
      await s.enqueue('r1', [task('copy', 'a'), task('copy', 'b'), task('copy', 'c')], T0);
      await s.enqueue('r2', [task('copy', 'd')], T0);
      const mine = await lease(s, 'ag', { capacity: 2, leaseMs: 1000, requests: ['r1'] }, T0);
      const theirs = await lease(s, 'other', { capacity: 1, leaseMs: 1000, requests: ['r1'] }, T0);
      const [inR2] = await lease(s, 'ag', { capacity: 1, leaseMs: 1000, requests: ['r2'] }, T0);
      assert.equal(mine.length, 2);
      assert.ok(theirs[0] && inR2);
      const file = (p: string, size: number): Completion['manifest'] => [{ path: p, size, mtimeNs: '1700000000123456789', hash: `xxh3:${p}${size}` }];
      const ok = await s.completeMany('ag', [
        { taskId: mine[0]?.id ?? -1, completion: { counters: { filesCopied: 1, bytesCopied: 10 }, manifest: file('f', 10) } },
        { taskId: theirs[0].id, completion: { counters: { filesCopied: 100 }, manifest: file('g', 1) } },
        { taskId: mine[1]?.id ?? -1, completion: { counters: { filesCopied: 2, bytesCopied: 7, bytesResumed: 3 }, manifest: [...file('h', 1) ?? [], ...file('i', 2) ?? []] } },
        { taskId: inR2.id, completion: { counters: { filesUpToDate: 4 }, manifest: file('f', 99) } },
        { taskId: 999_999, completion: { counters: { filesCopied: 1000 } } },
      ], T0 + 1);
      assert.deepEqual(ok, [true, false, true, true, false], 'accepted: the tasks ag holds');
      const r1 = await s.getRequest('r1');
      assert.deepEqual([r1?.counters.filesCopied, r1?.counters.bytesCopied, r1?.counters.bytesResumed, r1?.updatedAt], [3, 17, 3, T0 + 1]);
      assert.equal((await s.getRequest('r2'))?.counters.filesUpToDate, 4);
      assert.deepEqual((await s.listManifest('r1', 10, 0)).items.map((m) => `${m.path}:${m.size}:${m.hash}`), ['f:10:xxh3:f10', 'h:1:xxh3:h1', 'i:2:xxh3:i2']);
      assert.deepEqual((await s.listManifest('r2', 10, 0)).items.map((m) => `${m.path}:${m.size}`), ['f:99']);
      // a later report of a file already in the manifest replaces its row
      const [again] = await lease(s, 'ag', { capacity: 1, leaseMs: 1000, requests: ['r1'] }, T0 + 2);
      assert.equal(again, undefined, 'r1 has nothing queued: the one ag did not hold is still leased by its holder');
      assert.equal(await s.complete('other', theirs[0].id, { counters: { filesCopied: 1 }, manifest: file('f', 11) }, T0 + 3), true);
      assert.deepEqual((await s.listManifest('r1', 10, 0)).items.map((m) => `${m.path}:${m.size}`), ['f:11', 'h:1', 'i:2']);
      assert.equal((await s.getRequest('r1'))?.counters.filesCopied, 4);
      assert.deepEqual(await s.completeMany('ag', mine.map((t) => ({ taskId: t.id, completion: { counters: { filesCopied: 1 } } })), T0 + 4), [false, false], 'a task completes once');
      assert.equal((await s.getRequest('r1'))?.counters.filesCopied, 4);
    });

    it('never leases from a request that stopped running, even one another coordinator stopped; sees one it started', async (h) => {
      const s = h.store;
      const other = h.second ? await h.second() : s;
      try {
        await running(s, 'r');
        await s.enqueue('r', [task('copy', 'a'), task('copy', 'b'), task('copy', 'c')], T0);
        assert.equal((await lease(s, 'ag', { capacity: 1, leaseMs: 1000 }, T0)).length, 1);
        assert.equal(await other.setRequestState('r', ['running'], 'paused', T0 + 1, { pausedFrom: 'running' }), true);
        assert.deepEqual(await lease(s, 'ag', { capacity: 5, leaseMs: 1000 }, T0 + 2), [], 'paused: nothing leased');
        assert.equal(await other.setRequestState('r', ['paused'], 'running', T0 + 3, { pausedFrom: null }), true);
        assert.equal((await lease(s, 'ag', { capacity: 1, leaseMs: 1000 }, T0 + 4)).length, 1, 'running again');
        assert.equal(await other.createRequest(req('new', { priority: 9 }), T0 + 5), true);
        await other.enqueue('new', [task('copy', 'n')], T0 + 5);
        assert.equal(await other.setRequestState('new', ['queued'], 'running', T0 + 5), true);
        // another coordinator's new request is seen within a moment (this store may keep its list of running requests briefly)
        const until = Date.now() + 5000;
        let got: string[] = [];
        while (got.length === 0 && Date.now() < until) {
          got = (await lease(s, 'ag', { capacity: 1, leaseMs: 1000, requests: ['new'] }, T0 + 6)).map((t) => t.payload);
          if (got.length === 0) await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual(got, ['n']);
      } finally {
        if (other !== s) await other.close();
      }
    });

    it('completes a task with its counters, follow-ups, errors and manifest in one go', async ({ store: s }) => {
      await running(s, 'r');
      await s.enqueue('r', [task('scan', 's')], T0);
      const [t] = await lease(s, 'ag', { capacity: 1, leaseMs: 1000 }, T0);
      assert.ok(t);
      const c: Completion = {
        counters: { filesCopied: 2, bytesCopied: 30 },
        tasks: [task('copy', 'c1'), task('copy', 'c2')],
        errors: [{ path: 'x/y', code: 'E_PERMISSION', message: 'denied' }],
        manifest: [{ path: 'f', size: 3, mtimeNs: '123456789012345678', hash: 'xxh3:ab' }],
        dirMeta: [{ path: 'd', depth: 1, payload: '{}' }],
      };
      assert.equal(await s.complete('other-agent', t.id, c, T0 + 1), false, 'not the lease holder');
      assert.equal(await s.complete('ag', t.id, c, T0 + 1), true);
      assert.equal(await s.complete('ag', t.id, c, T0 + 2), false, 'a task completes once');
      const r = await s.getRequest('r');
      assert.equal(r?.counters.filesCopied, 2);
      assert.equal(r?.counters.bytesCopied, 30);
      assert.equal((await s.listErrors('r', 10, 0)).items[0]?.code, 'E_PERMISSION');
      assert.deepEqual((await s.listManifest('r', 10, 0)).items, [{ path: 'f', size: 3, mtimeNs: '123456789012345678', hash: 'xxh3:ab' }]);
      assert.deepEqual((await lease(s, 'ag', { capacity: 5, leaseMs: 1000 }, T0 + 2)).map((x) => x.payload), ['c1', 'c2']);
      assert.equal((await s.phaseState('r', 0)).dirMetaDepth, 1);
      assert.deepEqual((await s.takeDirMeta('r', 1)).map((d) => d.path), ['d']);
      assert.equal((await s.phaseState('r', 0)).dirMetaDepth, undefined);
    });

    it('puts a retried task back with its new payload, due later', async ({ store: s }) => {
      await running(s, 'r');
      await s.enqueue('r', [task('copy', 'all')], T0);
      const [t] = await lease(s, 'ag', { capacity: 1, leaseMs: 1000 }, T0);
      assert.ok(t);
      assert.equal(await s.complete('ag', t.id, { retry: { notBefore: T0 + 500, payload: 'some', items: 1, bytes: 1 } }, T0 + 1), true);
      assert.equal((await lease(s, 'ag', { capacity: 1, leaseMs: 1000 }, T0 + 100)).length, 0);
      const [again] = await lease(s, 'ag', { capacity: 1, leaseMs: 1000 }, T0 + 500);
      assert.equal(again?.payload, 'some');
      assert.equal(again?.attempts, 2);
    });

    it('closes a group once, after its last task, with the results in order; never after a failure', async ({ store: s }) => {
      await running(s, 'r');
      await s.enqueue('r', [0, 1, 2].map((i) => task('chunk', `c${i}`, { groupKey: 'big' })), T0);
      await s.enqueue('r', [0, 1].map((i) => task('chunk', `d${i}`, { groupKey: 'bad' })), T0);
      const leased = await lease(s, 'ag', { capacity: 10, leaseMs: 1000 }, T0);
      let closed: string[][] = [];
      const close = (results: string[]): NewTask => { closed.push(results); return task('finalize', results.join('+')); };
      for (const t of [...leased].reverse()) {
        const fail = t.payload === 'd0';
        await s.complete('ag', t.id, fail ? { failed: true } : { result: `h-${t.payload}`, closeGroup: close }, T0 + 1);
      }
      assert.deepEqual(closed, [['h-c0', 'h-c1', 'h-c2']]);
      closed = [];
      assert.deepEqual((await lease(s, 'ag', { capacity: 10, leaseMs: 1000 }, T0 + 2)).map((t) => t.payload), ['h-c0+h-c1+h-c2']);
    });

    it('closes a group once when its last two tasks complete in one batch', async ({ store: s }) => {
      await running(s, 'r');
      await s.enqueue('r', [0, 1].map((i) => task('chunk', `c${i}`, { groupKey: 'big' })), T0);
      const leased = await lease(s, 'ag', { capacity: 10, leaseMs: 1000 }, T0);
      const closed: string[][] = [];
      const close = (results: string[]): NewTask => { closed.push(results); return task('finalize', results.join('+')); };
      const ok = await s.completeMany('ag', leased.map((t) => ({ taskId: t.id, completion: { result: `h-${t.payload}`, closeGroup: close } })), T0 + 1);
      assert.deepEqual(ok, [true, true]);
      assert.deepEqual(closed, [['h-c0', 'h-c1']]);
      assert.deepEqual((await lease(s, 'ag', { capacity: 10, leaseMs: 1000 }, T0 + 2)).map((t) => t.payload), ['h-c0+h-c1']);
    });

    it('gives expired leases back to the queue; heartbeats keep them', async ({ store: s }) => {
      await running(s, 'r');
      await s.enqueue('r', [task('copy', 'a'), task('copy', 'b')], T0);
      const got = await lease(s, 'dead', { capacity: 1, leaseMs: 1000 }, T0);
      await lease(s, 'alive', { capacity: 1, leaseMs: 1000 }, T0);
      assert.equal(await s.extendLeases('alive', 5000, T0 + 900), 1);
      assert.equal(await s.reapExpired(T0 + 1500), 1);
      const again = await lease(s, 'new', { capacity: 5, leaseMs: 1000 }, T0 + 1500);
      assert.deepEqual(again.map((t) => t.id), got.map((t) => t.id));
      assert.equal(again[0]?.attempts, 2);
      assert.equal(await s.complete('dead', got[0]?.id ?? -1, {}, T0 + 1600), false, 'a lost lease cannot complete');
      assert.equal(await s.releaseLeases('new'), 1);
      assert.equal((await s.leasedTasks('r')).length, 1);
    });

    it('a heartbeat that names the tasks it holds renews only those; a lease the agent lost track of runs out', async ({ store: s }) => {
      await running(s, 'r');
      await s.enqueue('r', [task('copy', 'a'), task('copy', 'b'), task('copy', 'c')], T0);
      const [kept, lost, other] = await lease(s, 'ag', { capacity: 3, leaseMs: 1000 }, T0);
      assert.ok(kept && lost && other);
      assert.equal(await s.extendLeases('ag', 5000, T0 + 900, [kept.id, other.id, 999_999]), 2);
      assert.equal(await s.extendLeases('ag', 5000, T0 + 900, []), 0, 'an agent that holds nothing renews nothing');
      assert.equal(await s.reapExpired(T0 + 1500), 1);
      const again = await lease(s, 'ag2', { capacity: 5, leaseMs: 1000 }, T0 + 1500);
      assert.deepEqual(again.map((t) => t.id), [lost.id]);
    });

    it('tells the open tasks of a phase and the next phase with work', async ({ store: s }) => {
      await running(s, 'r');
      await s.enqueue('r', [task('copy', 'a'), task('delete', 'd', { phase: 2 }), task('dirmeta', 'm', { phase: 3 })], T0);
      assert.deepEqual(await s.phaseState('r', 0), { open: 1, nextPhase: 2, dirMetaDepth: undefined });
      const [t] = await lease(s, 'ag', { capacity: 5, leaseMs: 1000 }, T0);
      assert.equal((await s.phaseState('r', 0)).open, 1, 'a leased task is open');
      assert.equal(await s.openTasks('r', 0), 1);
      assert.equal(await s.openTasks('r', 2), 1);
      await s.complete('ag', t?.id ?? -1, {}, T0);
      assert.equal((await s.phaseState('r', 0)).open, 0);
      assert.equal(await s.openTasks('r', 0), 0);
      assert.deepEqual((await s.queuedPayloads('r', 2)).map((p) => p.payload), ['d']);
      assert.equal(await s.cancelTasks('r', { phase: 2 }, T0), 1);
      assert.equal((await s.phaseState('r', 0)).nextPhase, 3);
    });

    it('cancels queued and leased tasks; a canceled lease cannot complete', async ({ store: s }) => {
      await running(s, 'r');
      await s.enqueue('r', [task('copy', 'a'), task('copy', 'b')], T0);
      const [t] = await lease(s, 'ag', { capacity: 1, leaseMs: 1000 }, T0);
      assert.equal(await s.cancelTasks('r', { leased: true }, T0), 2);
      assert.equal(await s.complete('ag', t?.id ?? -1, { counters: { filesCopied: 1 } }, T0), false);
      assert.equal((await s.getRequest('r'))?.counters.filesCopied, 0);
    });

    it('rolls a transaction back when its function throws', async ({ store: s }) => {
      await running(s, 'r');
      await assert.rejects(s.tx(async (t) => {
        await t.addCounters('r', { filesCopied: 5 }, T0);
        await t.enqueue('r', [task('copy', 'x')], T0);
        throw new Error('boom');
      }), /boom/);
      assert.equal((await s.getRequest('r'))?.counters.filesCopied, 0);
      assert.equal((await lease(s, 'ag', { capacity: 5, leaseMs: 1000 }, T0)).length, 0);
    });

    it('resets a request for a retry: tasks, errors and counters gone, queued again', async ({ store: s }) => {
      await running(s, 'r');
      await s.enqueue('r', [task('copy', 'a')], T0);
      await s.addErrors('r', [{ path: 'p', code: 'E_IO', message: 'm' }], T0);
      await s.addCounters('r', { failed: 1 }, T0);
      await s.setRequestState('r', ['running'], 'failed', T0);
      await s.resetRequest('r', T0 + 1);
      const r = await s.getRequest('r');
      assert.equal(r?.state, 'queued');
      assert.equal(r?.counters.failed, 0);
      assert.equal((await s.listErrors('r', 10, 0)).total, 0);
      assert.deepEqual(await s.taskCounts(), []);
    });

    it('keeps agents, heartbeats and counts for metrics', async ({ store: s }) => {
      await s.upsertAgent({ id: 'a1', name: 'local@h', site: 's', endpoints: ['x', 'y'], slots: 4, running: 0, coordinator: 'c', startedAt: T0, lastSeen: T0 });
      await s.heartbeat('a1', 3, T0 + 5);
      const [a] = await s.listAgents();
      assert.deepEqual(a?.endpoints, ['x', 'y']);
      assert.equal(a?.lastSeen, T0 + 5);
      assert.equal(a?.running, 3);
      assert.equal(a?.dataTls, undefined, 'no data plane: no TLS');
      // an agent whose data plane speaks TLS: pushes to it are told so (migration 007)
      await s.upsertAgent({ id: 'a2', name: 'b1', site: 'b', endpoints: ['x'], slots: 2, running: 0, coordinator: 'c', startedAt: T0, lastSeen: T0,
        dataAddress: 'b1.example:7701', dataTls: true });
      assert.deepEqual((await s.listAgents()).find((x) => x.id === 'a2'), {
        id: 'a2', name: 'b1', site: 'b', endpoints: ['x'], slots: 2, running: 0, coordinator: 'c', startedAt: T0, lastSeen: T0, dataAddress: 'b1.example:7701', dataTls: true,
      });
      await s.removeAgent('a2');
      await running(s, 'r');
      await s.enqueue('r', [task('copy', 'a'), task('scan', 'b')], T0);
      await s.addErrors('r', [{ path: 'p', code: 'E_IO', message: 'm' }, { path: 'q', code: 'E_IO', message: 'm' }], T0);
      assert.deepEqual((await s.taskCounts()).sort((x, y) => x.kind.localeCompare(y.kind)), [{ state: 'queued', kind: 'copy', n: 1 }, { state: 'queued', kind: 'scan', n: 1 }]);
      assert.deepEqual(await s.requestCounts(), [{ state: 'running', n: 1 }]);
      assert.deepEqual(await s.errorCounts(), [{ code: 'E_IO', n: 2 }]);
      await s.removeAgent('a1');
      assert.deepEqual(await s.listAgents(), []);
    });

    it('a name goes to one of several claims at once, across connections; a stale row may be claimed again, a fresh one not', async (h) => {
      const s = h.store;
      const agent = (id: string, at: number): AgentRecord => ({ id, name: id, site: 's', endpoints: ['x'], slots: 1, running: 0, coordinator: 'c', startedAt: at, lastSeen: at });
      const others = h.second ? [await h.second(), await h.second()] : [];
      try {
        const stores = [s, ...others, s];
        for (let i = 0; i < 20; i++) {
          const took = await Promise.all(stores.map((st, k) => st.claimAgent(agent(`n${i}`, T0 + k), `hash-${k}`, T0 - 1000)));
          assert.equal(took.filter(Boolean).length, 1, `one claim of n${i} wins: ${took.join()}`);
          assert.equal((await s.agentIdentity(`n${i}`))?.secretHash, `hash-${took.indexOf(true)}`, 'the row holds the winner\'s secret');
        }
      } finally {
        for (const o of others) await o.close();
      }
      assert.equal(await s.claimAgent(agent('n0', T0 + 50), 'late', T0), false, 'heard from at T0: not stale before T0');
      assert.notEqual((await s.agentIdentity('n0'))?.secretHash, 'late');
      assert.equal(await s.claimAgent(agent('n0', T0 + 50), 'again', T0 + 4), true, 'stale before T0 + 4');
      assert.equal((await s.agentIdentity('n0'))?.secretHash, 'again');
      await s.upsertAgent(agent('c/local', T0));
      assert.deepEqual(await s.agentIdentity('c/local'), { secretHash: null, protocol: null, version: null }, 'a built-in agent has no secret');
      assert.equal(await s.agentIdentity('nobody'), undefined);
      // the build it enrolled with (migration 010): listed, and checked at its calls
      assert.equal(await s.claimAgent({ ...agent('n1', T0 + 60), version: '1.2.3', protocol: 7 }, 'built', T0 + 60), true);
      assert.deepEqual(await s.agentIdentity('n1'), { secretHash: 'built', protocol: 7, version: '1.2.3' });
      const listed = (await s.listAgents()).find((a) => a.id === 'n1');
      assert.deepEqual([listed?.version, listed?.protocol], ['1.2.3', 7]);
    });

    it('hands each task to exactly one of many concurrent leasers, across connections', async (h) => {
      const s = h.store;
      await running(s, 'r');
      const N = 300;
      await s.enqueue('r', Array.from({ length: N }, (_, i) => task('copy', `t${i}`)), T0);
      const others = h.second ? [await h.second(), await h.second()] : [];
      try {
        const stores = [s, ...others];
        const seen: number[] = [];
        // every worker runs to its end before anything is checked or closed
        const ends = await Promise.allSettled(Array.from({ length: 6 }, async (_, w) => {
          const st = stores[w % stores.length] as StateStore;
          for (;;) {
            const got = await lease(st, `ag${w}`, { capacity: 7, leaseMs: 60_000 }, T0);
            if (got.length === 0) break;
            for (const t of got) seen.push(t.id);
            await st.completeMany(`ag${w}`, got.map((t) => ({ taskId: t.id, completion: { counters: { filesCopied: 1 } } })), T0);
          }
        }));
        for (const e of ends) if (e.status === 'rejected') throw e.reason;
        assert.equal(seen.length, N);
        assert.equal(new Set(seen).size, N, 'no task leased twice');
        assert.equal((await s.getRequest('r'))?.counters.filesCopied, N);
      } finally {
        for (const o of others) await o.close();
      }
    });

    auditConformance(it);
    cleanupConformance(it);
    inboxKeysConformance(it);
    heldTasksConformance(it);
  });
}
