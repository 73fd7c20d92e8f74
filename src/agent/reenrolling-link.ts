// An agent's link to its coordinator that enrols again when the coordinator no longer knows
// it: its row was pruned (lost for longer than agent_prune, e.g. its host was cut off for a
// week) or the database was replaced. Without this the agent would lease and heartbeat in
// vain for ever; with it, it comes back as a fresh agent (it holds no lease: a pruned agent
// never did).
import { BargeError } from '../core/errors.js';
import type { AgentLink, LeasedWork, TaskReport } from '../core/agent-wire.js';

/** the coordinator's refusal of an agent it has no row for (coordinator/remote-agents.ts, known()) */
const NOT_ENROLLED = /is not enrolled/;

export function isNotEnrolled(e: unknown): boolean {
  return e instanceof BargeError && e.code === 'E_STATE' && NOT_ENROLLED.test(e.message);
}

export class ReenrollingLink implements AgentLink {
  private enrolling: Promise<void> | undefined;

  /** `enrol`: enrols again as at start (one at a time, however many calls were refused) */
  constructor(private readonly inner: AgentLink, private readonly enrol: () => Promise<void>) {}

  lease(agentId: string, capacity: number, signal?: AbortSignal): Promise<LeasedWork[]> {
    return this.known(() => this.inner.lease(agentId, capacity, signal));
  }

  report(agentId: string, reports: TaskReport[]): Promise<void> {
    return this.known(() => this.inner.report(agentId, reports));
  }

  heartbeat(agentId: string, running: number, held?: readonly number[]): Promise<void> {
    return this.known(() => this.inner.heartbeat(agentId, running, held));
  }

  onCancel(listener: (requestId: string) => void): () => void {
    return this.inner.onCancel(listener);
  }

  private async known<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (!isNotEnrolled(e)) throw e;
      this.enrolling ??= this.enrol().finally(() => { this.enrolling = undefined; });
      await this.enrolling;
      return call();
    }
  }
}
