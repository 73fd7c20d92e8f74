// The loops that move requests: plan (queued → staging or running, with a root task),
// finish (phase by phase to the end), the reach and deadline checks, and reap (expired
// leases back to the queue). Every loop is idempotent and safe with several coordinators
// on one database; within this process the plan and finish loops run once at a time.
import type { StateStore } from '../state/state-store.js';
import { RUNNING_STATES } from '../core/request-states.js';
import type { ServiceConfig } from '../config/service-config.js';
import { pruneLostAgents } from './agent-roster.js';
import { advanceRequest } from './advance-request.js';
import { PHASE_TRANSFER } from './phases.js';
import { encodeTask } from './service-task.js';
import { isArchive } from './staging/staging-loop.js';
import type { StrandedRequests } from './stranded-requests.js';

const TICK_MS = 250;
/** how often requests are checked for an agent that can run them */
const REACH_CHECK_MS = 2000;

export interface RequestLoopDeps {
  store: StateStore;
  config: ServiceConfig;
  stranded: StrandedRequests;
  now: () => number;
  /** a request started or moved on: new tasks may be queued */
  onMoved: () => void;
  /** a request ended (succeeded or failed) */
  onFinished: (id: string) => void;
  onError: (e: unknown) => void;
}

export class RequestLoop {
  private timers: NodeJS.Timeout[] = [];
  private ticking = false;
  private kickedWhileTicking = false;
  private reachCheckedAt = 0;

  constructor(private readonly d: RequestLoopDeps) {}

  start(): void {
    this.timers.push(setInterval(() => this.kick(), TICK_MS));
    this.timers.push(setInterval(() => { void this.reap(); }, Math.max(250, Math.floor(this.d.config.leaseTimeoutMs / 4))));
  }

  /** no more ticks start; a kick while one runs does not run it again */
  stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** resolves once no tick runs */
  async idle(): Promise<void> {
    while (this.ticking) await new Promise((r) => setTimeout(r, 10));
  }

  /**
   * Run the plan and finish loops soon (once at a time). A kick while they run makes them
   * run once more straight after: what it announced (a report that finished a phase, say)
   * is acted on then, not at the next timer tick.
   */
  kick(): void {
    if (this.ticking) { this.kickedWhileTicking = true; return; }
    this.ticking = true;
    this.kickedWhileTicking = false;
    this.tick().then((moved) => { if (moved) this.d.onMoved(); }, (e: unknown) => this.d.onError(e)).finally(() => {
      this.ticking = false;
      if (this.kickedWhileTicking && this.timers.length > 0) this.kick();
    });
  }

  /** true when a request started or moved on (new tasks may be queued) */
  private async tick(): Promise<boolean> {
    const { store, config } = this.d;
    const now = this.d.now();
    let moved = false;
    for (const r of await store.requestsIn(['queued'])) {
      // from an archive: staging first, while its walk runs and its files come off tape
      const to = isArchive(config.endpointStorage, r.srcEndpoint) ? 'staging' : 'running';
      await store.tx(async (s) => {
        if (await s.setRequestState(r.id, ['queued'], to, now, { phase: PHASE_TRANSFER })) {
          await s.enqueue(r.id, [encodeTask({ kind: 'root' }, PHASE_TRANSFER)], now);
          moved = true;
        }
      });
    }
    const active = await store.requestsIn(RUNNING_STATES);
    for (const r of active) {
      // most ticks follow a report that left tasks open: one read says so, without the
      // transaction and row lock of advanceRequest (which looks again, under the lock)
      if (await store.openTasks(r.id, r.phase) > 0) continue;
      for (let i = 0; i < 100; i++) {
        const a = await advanceRequest(store, r.id, this.d.now());
        if (a === 'finished') this.d.onFinished(r.id);
        if (a !== 'moved') break;
        moved = true;
      }
    }
    if (now - this.reachCheckedAt >= REACH_CHECK_MS) {
      this.reachCheckedAt = now;
      // the built-in agent reaches every endpoint but those on agents' hosts only (local_agent =
      // false): without it, or with such endpoints, a request can be stranded
      if (!config.localAgent || [...config.endpoints.values()].some((e) => e.localAgent === false)) await this.d.stranded.checkWaits(active);
      await this.d.stranded.failPastDeadline();
    }
    return moved;
  }

  private async reap(): Promise<void> {
    const { store, config } = this.d;
    try {
      if (await store.reapExpired(this.d.now()) > 0) this.kick();
      await pruneLostAgents(store, this.d.now(), config.leaseTimeoutMs, config.agentPruneMs);
    } catch (e) { this.d.onError(e); }
  }
}
