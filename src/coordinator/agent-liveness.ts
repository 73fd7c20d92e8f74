// Which agents are alive, as placement sees them. An agent is alive while it has been heard
// from within the lease timeout, unless a push to it failed to reach it since: a destination
// agent that died stops receiving work at the first such report, not a lease timeout later
// (in which every retry of its tasks could be placed on it again, and fail for good). Its
// next heartbeat, if it is only cut off for a while, makes it alive again.
import type { TaskReport } from '../core/agent-wire.js';

/** where the pushes in flight go (PushLoad: the one record of them) */
export interface PushesInFlight {
  destinationOf(taskId: number): string | undefined;
}

export class AgentLiveness {
  /** agent name -> when a push to it last failed to reach it */
  private readonly lostAt = new Map<string, number>();

  constructor(private readonly leaseMs: number, private readonly pushes: PushesInFlight) {}

  /**
   * An agent's reports, before they end their pushes in `pushes`: a push that failed
   * E_NETWORK marks its destination as lost, now.
   */
  reported(reports: readonly TaskReport[], now: number): void {
    for (const r of reports) {
      if (!r.result.errors.some((e) => e.code === 'E_NETWORK')) continue;
      const to = this.pushes.destinationOf(r.taskId);
      if (to !== undefined) this.lostAt.set(to, now);
    }
  }

  alive(a: { name: string; lastSeen: number }, now: number): boolean {
    return now - a.lastSeen <= this.leaseMs && (this.lostAt.get(a.name) ?? -Infinity) < a.lastSeen;
  }

  /** when an agent that is not alive was lost: the first of its lease running out and a push failing to reach it */
  lostSince(a: { name: string; lastSeen: number }, now: number): number | undefined {
    if (this.alive(a, now)) return undefined;
    const pushLost = this.lostAt.get(a.name);
    const timedOut = now - a.lastSeen > this.leaseMs ? a.lastSeen + this.leaseMs : Infinity;
    return Math.min(timedOut, pushLost !== undefined && pushLost >= a.lastSeen ? pushLost : Infinity);
  }
}
