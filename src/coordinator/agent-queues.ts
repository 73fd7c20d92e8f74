// What each remote agent holds: the tasks leased to it and not yet reported. Its threads
// run some and the rest wait in its queue; a lease takes tasks of any size only for the
// threads this leaves free (DispatchOptions.startable). Counted here, not from the lease
// call's capacity: an agent's long poll keeps the capacity it asked with for up to a
// minute, while its reports say at once that a thread is free.

export class AgentQueues {
  private readonly byAgent = new Map<string, Set<number>>();

  leased(agentId: string, taskIds: readonly number[]): void {
    if (taskIds.length === 0) return;
    let s = this.byAgent.get(agentId);
    if (!s) this.byAgent.set(agentId, s = new Set());
    for (const id of taskIds) s.add(id);
  }

  reported(agentId: string, taskIds: readonly number[]): void {
    const s = this.byAgent.get(agentId);
    if (!s) return;
    for (const id of taskIds) s.delete(id);
    if (s.size === 0) this.byAgent.delete(agentId);
  }

  /** a heartbeat named what the agent holds: the rest it lost track of (their leases run out) */
  heard(agentId: string, held: readonly number[] | undefined): void {
    const s = this.byAgent.get(agentId);
    if (!s || held === undefined) return;
    const still = new Set(held);
    for (const id of s) if (!still.has(id)) s.delete(id);
  }

  /** a new enrolment: a new process, with nothing yet */
  forget(agentId: string): void {
    this.byAgent.delete(agentId);
  }

  holding(agentId: string): number {
    return this.byAgent.get(agentId)?.size ?? 0;
  }
}
