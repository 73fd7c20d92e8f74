// Open requests that cannot go on: those no live agent can run wait (the reason shown in
// their view) until one returns, and fail when their deadline passes, or after agent_wait
// when they have none; any open request whose deadline passed fails, saying how far it got.
import type { RequestRecord, StateStore } from '../state/state-store.js';
import { OPEN_STATES } from '../core/request-states.js';
import { deadlineOf } from './request-view.js';
import type { RemoteAgents } from './remote-agents.js';

export interface Waiting { reason: string; since: number; until: number }

export interface StrandedDeps {
  store: StateStore;
  remoteAgents: RemoteAgents;
  /** how long a request without a deadline waits for an agent (agent_wait) */
  agentWaitMs: number;
  now: () => number;
  /** a request was failed here: its tasks in flight are canceled, its change published */
  onFailed: (id: string) => void;
}

export class StrandedRequests {
  /** requests no live agent can run now, as the last check found them */
  private waiting = new Map<string, Waiting>();

  constructor(private readonly d: StrandedDeps) {}

  /** why the request waits, when the last check found no live agent to run it */
  waitingOf(id: string): Waiting | undefined {
    return this.waiting.get(id);
  }

  /** `active`: the running requests, each checked for an agent that can run it */
  async checkWaits(active: readonly RequestRecord[]): Promise<void> {
    const now = this.d.now();
    const stuck = await this.d.remoteAgents.stuck(active);
    this.waiting = new Map();
    for (const s of stuck) {
      const r = active.find((x) => x.id === s.id);
      if (!r) continue;
      const deadline = deadlineOf(r);
      const until = deadline ?? s.since + this.d.agentWaitMs;
      this.waiting.set(s.id, { reason: s.reason, since: s.since, until });
      if (now < until) continue;
      const why = deadline === undefined ? 'agent_wait' : `its deadline ${new Date(deadline).toISOString()}`;
      await this.failOpen(r, `no agent can run this request: ${s.reason} (waited ${waitedText(now - s.since)}, until ${why})`);
    }
  }

  /** an open request whose deadline passed fails, saying how far it got */
  async failPastDeadline(): Promise<void> {
    const now = this.d.now();
    for (const r of await this.d.store.requestsIn(OPEN_STATES)) {
      const deadline = deadlineOf(r);
      if (deadline === undefined || now < deadline) continue;
      const c = r.counters;
      await this.failOpen(r, `its deadline ${new Date(deadline).toISOString()} passed: ${c.filesCopied} of ${c.filesToCopy} files copied so far`);
    }
  }

  private async failOpen(r: RequestRecord, message: string): Promise<void> {
    if (await this.d.store.setRequestState(r.id, [r.state], 'failed', this.d.now(), { message })) {
      this.waiting.delete(r.id);
      this.d.onFailed(r.id);
    }
  }
}

function waitedText(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 360) / 10} h`;
}
