// What the StateStore conformance cases share: a request row, a task, a running request,
// and a lease with no policy.
import assert from 'node:assert/strict';
import type { LeasedTask, NewRequest, NewTask, StateStore } from './state-store.js';

export const T0 = 1_700_000_000_000;

export function req(id: string, over: Partial<NewRequest> = {}): NewRequest {
  return { id, priority: 5, source: 'a:/x', destination: 'b:/', srcEndpoint: 'a', dstEndpoint: 'b', spec: '{}', ...over };
}

export function task(kind: string, payload: string, over: Partial<NewTask> = {}): NewTask {
  return { kind, phase: 0, payload, items: 1, bytes: 10, ...over };
}

export async function running(s: StateStore, id: string, over: Partial<NewRequest> = {}): Promise<void> {
  assert.equal(await s.createRequest(req(id, over), T0), true);
  assert.equal(await s.setRequestState(id, ['queued'], 'running', T0), true);
}

/**
 * A lease with no policy: every runnable request (or those named), in the store's order,
 * up to the capacity in all. Fair share, priority and the agent's endpoints are the
 * dispatcher's (coordinator/dispatcher.test.ts runs those over the stores).
 */
export async function lease(s: StateStore, agentId: string, o: { capacity: number; leaseMs: number; requests?: readonly string[] }, now: number): Promise<LeasedTask[]> {
  const named = o.requests ? new Set(o.requests) : undefined;
  const rs = (await s.runnableRequests()).filter((r) => !named || named.has(r.id));
  return s.leaseWithin(agentId, rs.map((r) => ({ requestId: r.id, phase: r.phase, want: o.capacity })), { leaseMs: o.leaseMs, limit: o.capacity }, now);
}

