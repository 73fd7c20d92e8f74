// What an agent's GET /healthz says (on its metrics address): healthy while it serves and,
// under a coordinator, while the coordinator answered it within its lease time. Past that
// the coordinator has taken its leases back and places no work on it: a monitor should know.

export type CoordinatorReach = 'none' | 'enrolling' | 'reachable' | 'unreachable';

export interface AgentHealth {
  ok: boolean;
  /** none: a lone agent; enrolling: not enrolled yet; reachable / unreachable: within the lease time or not */
  coordinator: CoordinatorReach;
  message?: string;
}

/** what a leasing agent knows of its coordinator: when it last answered, and the lease time it gave */
export interface CoordinatorContact {
  url: string;
  lastAnswerAt: number;
  leaseMs: number;
}

/** `contact`: undefined for a lone agent; a function answering undefined until enrolment */
export function agentHealth(contact: (() => CoordinatorContact | undefined) | undefined, now: number): AgentHealth {
  if (contact === undefined) return { ok: true, coordinator: 'none' };
  const c = contact();
  if (c === undefined) return { ok: false, coordinator: 'enrolling', message: 'not enrolled with its coordinator yet' };
  const silent = now - c.lastAnswerAt;
  if (silent <= c.leaseMs) return { ok: true, coordinator: 'reachable' };
  return {
    ok: false, coordinator: 'unreachable',
    message: `no answer from ${c.url} for ${Math.round(silent / 1000)} s (lease time ${Math.round(c.leaseMs / 1000)} s): its leases are taken back`,
  };
}
