// The StateStore conformance cases of the audit trail, of what an operator changes and looks
// up of a request (its priority, a text search) and of the agents table's upkeep,
// registered by stateConformance (state-conformance.ts) with its `it`, so every engine runs them.
import assert from 'node:assert/strict';
import type { StateStore } from './state-store.js';

type It = (title: string, body: (h: { store: StateStore }) => Promise<void>) => void;

const T0 = 1_700_000_000_000;

function req(id: string): Parameters<StateStore['createRequest']>[0] {
  return { id, priority: 5, source: 'a:/x', destination: 'b:/', srcEndpoint: 'a', dstEndpoint: 'b', spec: '{}' };
}

export function auditConformance(it: It): void {
  it('keeps a request\'s audit trail in the order written, paged; a retry\'s reset keeps it; the view reads its submitter', async ({ store: s }) => {
    await s.tx(async (t) => {
      assert.equal(await t.createRequest(req('r'), T0), true);
      await t.addAudit('r', { at: T0, actor: 'ops', action: 'submit', detail: null });
    });
    await s.createRequest(req('old'), T0 + 1);
    // the same millisecond twice: the order written is kept, not a sort by time
    await s.addAudit('r', { at: T0 + 5, actor: 'lead', action: 'pause', detail: null });
    await s.addAudit('r', { at: T0 + 5, actor: 'ops', action: 'resume', detail: null });
    await s.addAudit('r', { at: T0 + 6, actor: 'anonymous@127.0.0.1', action: 'priority', detail: '9' });
    await s.setRequestState('r', ['queued'], 'canceled', T0 + 7);
    await s.resetRequest('r', T0 + 8);
    const all = await s.listAudit('r', 10, 0);
    assert.equal(all.total, 4);
    assert.deepEqual(all.items.map((e) => [e.actor, e.action, e.detail, e.at]), [
      ['ops', 'submit', null, T0], ['lead', 'pause', null, T0 + 5], ['ops', 'resume', null, T0 + 5], ['anonymous@127.0.0.1', 'priority', '9', T0 + 6],
    ]);
    const page = await s.listAudit('r', 2, 1);
    assert.deepEqual(page.items.map((e) => e.action), ['pause', 'resume']);
    assert.equal(page.total, 4);
    assert.deepEqual(await s.listAudit('old', 10, 0), { items: [], total: 0 });
    assert.equal((await s.getRequest('r'))?.submittedBy, 'ops');
    assert.equal((await s.getRequest('old'))?.submittedBy, null, 'a request with no submit entry has no submitter');
    const listed = await s.listRequests({ limit: 10, offset: 0 });
    assert.deepEqual(listed.items.map((r) => [r.id, r.submittedBy]), [['old', null], ['r', 'ops']]);
    assert.deepEqual((await s.requestsIn(['queued'])).map((r) => r.submittedBy).sort(), ['ops', null].sort());
  });

  it('changes the priority of a request in one of the given states only', async ({ store: s }) => {
    await s.createRequest(req('r'), T0);
    assert.equal(await s.setRequestPriority('r', ['queued', 'running'], 9, T0 + 1), true);
    assert.equal((await s.getRequest('r'))?.priority, 9);
    assert.equal((await s.getRequest('r'))?.updatedAt, T0 + 1, 'a change of priority is a change of the request (its view is sent again)');
    await s.setRequestState('r', ['queued'], 'canceled', T0 + 2);
    assert.equal(await s.setRequestPriority('r', ['queued', 'running'], 2, T0 + 3), false);
    assert.equal((await s.getRequest('r'))?.priority, 9);
    assert.equal(await s.setRequestPriority('nope', ['queued'], 2, T0 + 3), false);
  });

  it('lists the requests whose id, source or destination holds a text, LIKE\'s wildcards taken as they are', async ({ store: s }) => {
    const at = (id: string, source: string, destination: string) => ({ ...req(id), source, destination });
    await s.createRequest(at('run-42', 'a:/x', 'b:/'), T0);
    await s.createRequest(at('other', 'a:/data/run-42', 'b:/'), T0 + 1);
    await s.createRequest(at('third', 'a:/y', 'b:/to/run-42/'), T0 + 2);
    await s.createRequest(at('pct', 'a:/100%_done', 'b:/'), T0 + 3);
    await s.createRequest(at('plain', 'a:/100xxdone', 'b:/'), T0 + 4);
    const ids = async (text: string, states?: ('queued' | 'canceled')[]): Promise<string[]> =>
      (await s.listRequests({ text, limit: 10, offset: 0, ...(states ? { states } : {}) })).items.map((r) => r.id);
    assert.deepEqual(await ids('run-42'), ['third', 'other', 'run-42']);
    assert.deepEqual(await ids('%_'), ['pct'], '% and _ match themselves');
    assert.deepEqual(await ids('nothing'), []);
    await s.setRequestState('other', ['queued'], 'canceled', T0 + 5);
    assert.deepEqual(await ids('run-42', ['canceled']), ['other']);
    assert.equal((await s.listRequests({ text: 'run-42', limit: 1, offset: 0 })).total, 3);
  });

  it('an audit entry rolls back with the transaction it was written in', async ({ store: s }) => {
    await s.createRequest(req('r'), T0);
    await assert.rejects(s.tx(async (t) => {
      await t.setRequestState('r', ['queued'], 'paused', T0 + 1, { pausedFrom: 'queued' });
      await t.addAudit('r', { at: T0 + 1, actor: 'ops', action: 'pause', detail: null });
      throw new Error('boom');
    }), /boom/);
    assert.equal((await s.listAudit('r', 10, 0)).total, 0);
    assert.equal((await s.getRequest('r'))?.state, 'queued');
  });

  it('prunes agents last heard from before a time, but never one that holds a lease', async ({ store: s }) => {
    const agent = (id: string, lastSeen: number) => ({ id, name: id, site: 's', endpoints: ['a'], slots: 2, running: 0, coordinator: 'c', startedAt: T0, lastSeen });
    await s.upsertAgent(agent('gone', T0));
    await s.upsertAgent(agent('holder', T0));
    await s.upsertAgent(agent('recent', T0 + 10_000));
    await s.createRequest(req('r'), T0);
    await s.setRequestState('r', ['queued'], 'running', T0);
    await s.enqueue('r', [{ kind: 'copy', phase: 0, payload: 'p', items: 1, bytes: 1 }], T0);
    const [r] = await s.runnableRequests();
    assert.ok(r);
    const got = await s.leaseWithin('holder', [{ requestId: r.id, phase: r.phase, want: 1 }], { leaseMs: 60_000 }, T0);
    assert.equal(got.length, 1);
    assert.deepEqual(await s.pruneAgents(T0 + 5_000), ['gone']);
    assert.deepEqual((await s.listAgents()).map((a) => a.id), ['holder', 'recent']);
    assert.equal(await s.heldTask('holder', got[0]?.id ?? -1) !== undefined, true, 'its lease is untouched');
    await s.releaseLeases('holder');
    assert.deepEqual(await s.pruneAgents(T0 + 5_000), ['holder'], 'once it holds none it goes');
    assert.deepEqual(await s.pruneAgents(T0 + 5_000), [], 'nothing left that old');
    assert.deepEqual((await s.listAgents()).map((a) => a.id), ['recent']);
  });
}
