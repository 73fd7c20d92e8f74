// The agents table as operators see it: each agent alive or lost by placement's own rule
// (agent-liveness.ts), and agents lost for longer than agent_prune removed from it.
import type { AgentRecord, StateStore } from '../state/state-store.js';

export type AgentState = 'alive' | 'lost';

export interface AgentStatus extends AgentRecord {
  state: AgentState;
  /** when it was lost (its last word plus the lease timeout, or a push that could not reach it); only when lost */
  lostSince?: number;
}

/** what placement knows of an agent: alive, or lost since when */
export type LivenessOf = (a: AgentRecord, now: number) => { alive: boolean; lostSince?: number };

export async function agentStatuses(store: StateStore, liveness: LivenessOf, now: number): Promise<AgentStatus[]> {
  return (await store.listAgents()).map((a) => {
    const l = liveness(a, now);
    return l.alive ? { ...a, state: 'alive' as const } : { ...a, state: 'lost' as const, lostSince: l.lostSince ?? a.lastSeen };
  });
}

/**
 * Removes the agents not heard from for `leaseMs + pruneMs` (lost for longer than agent_prune)
 * that hold no lease; returns their ids. A pruned agent that comes back enrols again.
 */
export function pruneLostAgents(store: StateStore, now: number, leaseMs: number, pruneMs: number): Promise<string[]> {
  return store.pruneAgents(now - leaseMs - pruneMs);
}
