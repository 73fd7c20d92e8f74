// The dispatcher: decides how many tasks of which request an agent's lease takes, and
// asks the state store to pick them. Policy lives here (weighted fair share by priority,
// and later per-link limits and bandwidth shares); the store only picks within quotas.
import { FairShare, type ShareCandidate } from '../core/fair-share.js';
import type { LeasedTask, Quota, Runnable, StateStore } from '../state/state-store.js';

export interface DispatchOptions {
  capacity: number;
  leaseMs: number;
  /** only requests whose endpoints are both in this list; undefined = any */
  endpoints?: readonly string[];
  /** only these requests (where placement lets the agent work); undefined = any */
  requests?: readonly string[];
  /**
   * how many of the tasks the agent can start at once (its free threads); the rest of the
   * capacity waits in its queue, and takes only tasks of at most PREFETCH_MAX_BYTES: a large
   * task left in the queue goes to whichever agent is free first, and its destination is
   * chosen when it starts. undefined: any task for all of the capacity.
   */
  startable?: number;
}

/** a task an agent may hold queued behind its running ones: small enough that another agent would not have finished it sooner */
export const PREFETCH_MAX_BYTES = 16 * 1024 * 1024;

export class Dispatcher {
  /** per coordinator: several coordinators each share fairly among the tasks they hand out */
  private readonly share = new FairShare();
  /** the last list seen, to forget the passes of requests that left it only when it changes */
  private seen: readonly Runnable[] | undefined;

  constructor(private readonly store: StateStore) {}

  /**
   * The capacity is shared between the requests the agent may serve by priority (see
   * core/fair-share.ts), one pick per request with a share; when a request had fewer tasks
   * queued than its share, a second call gives the slots left to the requests that filled
   * theirs (the others have no more queued), in the store's order.
   */
  async lease(agentId: string, o: DispatchOptions, now: number): Promise<LeasedTask[]> {
    if (o.startable === undefined || o.startable >= o.capacity) return this.leaseUpTo(agentId, o, o.capacity, undefined, now);
    const out = await this.leaseUpTo(agentId, o, Math.max(0, o.startable), undefined, now);
    out.push(...await this.leaseUpTo(agentId, o, o.capacity - out.length, PREFETCH_MAX_BYTES, now));
    return out.sort((a, b) => a.id - b.id);
  }

  private async leaseUpTo(agentId: string, o: DispatchOptions, capacity: number, maxTaskBytes: number | undefined, now: number): Promise<LeasedTask[]> {
    if (capacity <= 0) return [];
    const limits = { leaseMs: o.leaseMs, ...(maxTaskBytes !== undefined ? { maxTaskBytes } : {}) };
    const all = await this.store.runnableRequests();
    this.forgetEnded(all);
    const rs = servable(all, o);
    const candidates: ShareCandidate[] = rs.map((r) => ({ id: r.id, weight: r.priority }));
    const allocated = this.share.allocate(candidates, capacity);
    const quotas = rs.map((r, i): Quota => ({ requestId: r.id, phase: r.phase, want: allocated[i] ?? 0 }));
    const out = await this.store.leaseWithin(agentId, quotas.filter((q) => q.want > 0), limits, now);
    const taken = countBy(rs, out);
    const left = capacity - out.length;
    if (left > 0) {
      const spill = quotas.filter((_, i) => (taken[i] ?? 0) >= (allocated[i] ?? 0)).map((q) => ({ ...q, want: left }));
      if (spill.length > 0) {
        const more = await this.store.leaseWithin(agentId, spill, { ...limits, limit: left }, now);
        countBy(rs, more).forEach((n, i) => { taken[i] = (taken[i] ?? 0) + n; });
        out.push(...more);
      }
    }
    this.share.record(candidates, allocated, taken);
    return out.sort((a, b) => a.id - b.id);
  }

  // a request that is no longer runnable (ended, or paused) starts afresh when it is seen
  // again; only when the store read the list again, so a lease stays O(requests)
  private forgetEnded(all: readonly Runnable[]): void {
    if (all === this.seen) return;
    this.seen = all;
    this.share.retain(new Set(all.map((r) => r.id)));
  }
}

function servable(all: readonly Runnable[], o: DispatchOptions): Runnable[] {
  const named = o.requests ? new Set(o.requests) : undefined;
  const reached = o.endpoints ? new Set(o.endpoints) : undefined;
  return all.filter((r) => (!named || named.has(r.id)) && (!reached || (reached.has(r.srcEndpoint) && reached.has(r.dstEndpoint))));
}

/** how many of `tasks` belong to each of `rs` */
function countBy(rs: readonly Runnable[], tasks: readonly LeasedTask[]): number[] {
  const at = new Map(rs.map((r, i) => [r.id, i]));
  const n = rs.map(() => 0);
  for (const t of tasks) {
    const i = at.get(t.requestId);
    if (i !== undefined) n[i] = (n[i] ?? 0) + 1;
  }
  return n;
}
