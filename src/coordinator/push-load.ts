// How much each destination agent is being sent right now, as the coordinator handed it
// out: the bytes of the push tasks leased and not yet reported, per agent. Placement sends
// the next push to the destination with the least, so that a link that finished its push
// early takes the next one instead of idling while others queue (bench/dataplane/scale-out.sh).
// It is the one record of which pushes are in flight to whom: agent liveness asks it where a
// reported push went (destinationOf).

/** a task's share when it carries few bytes (a scan, a delete): it still takes a stream */
const TASK_WEIGHT = 1024 * 1024;
/** pushes handed out and never reported (their source died) stop counting after this many lease times */
const STALE_LEASES = 10;
/** more tasks than this in flight and never reported: forget the oldest */
const MAX_TRACKED = 100_000;

interface InFlight {
  agent: string;
  weight: number;
  at: number;
}

export class PushLoad {
  private readonly tasks = new Map<number, InFlight>();
  private readonly byAgent = new Map<string, number>();

  constructor(private readonly leaseMs: number, private readonly now: () => number) {}

  /** task `taskId`, of `bytes`, was handed out to push to `agent` */
  started(taskId: number, agent: string, bytes: number): void {
    this.ended(taskId);
    if (this.tasks.size >= MAX_TRACKED) this.ended(this.tasks.keys().next().value as number);
    const f = { agent, weight: bytes + TASK_WEIGHT, at: this.now() };
    this.tasks.set(taskId, f);
    this.byAgent.set(agent, (this.byAgent.get(agent) ?? 0) + f.weight);
  }

  /** its report came (or it was forgotten) */
  ended(taskId: number): void {
    const f = this.tasks.get(taskId);
    if (!f) return;
    this.tasks.delete(taskId);
    const left = (this.byAgent.get(f.agent) ?? 0) - f.weight;
    if (left > 0) this.byAgent.set(f.agent, left);
    else this.byAgent.delete(f.agent);
  }

  /** the agent task `taskId` was handed out to push to, while it is in flight */
  destinationOf(taskId: number): string | undefined {
    this.dropStale();
    return this.tasks.get(taskId)?.agent;
  }

  /** the bytes (and streams) being pushed to `agent` */
  of(agent: string): number {
    this.dropStale();
    return this.byAgent.get(agent) ?? 0;
  }

  /** the first of `options` (in the caller's order: its turn) with the least in flight */
  least<T extends { name: string }>(options: readonly T[]): T {
    // once for the call, not once per option
    this.dropStale();
    let best = options[0] as T;
    let bestLoad = Infinity;
    for (const o of options) {
      const load = this.byAgent.get(o.name) ?? 0;
      if (load < bestLoad) { best = o; bestLoad = load; }
    }
    return best;
  }

  // insertion order is start order: the oldest are first
  private dropStale(): void {
    const before = this.now() - STALE_LEASES * this.leaseMs;
    for (const [id, f] of this.tasks) {
      if (f.at >= before) break;
      this.ended(id);
    }
  }
}
