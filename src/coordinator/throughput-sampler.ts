// Samples what each running (or paused: its tasks in flight still finish) request has moved,
// once a second, into bounded rings in memory: the dashboard's throughput charts read them,
// so a reload shows the past. A request that ends gets two last samples (its final counters, then the same again a second
// later), so its rate line falls to 0 instead of ending on its last speed. The rings live
// only as long as the process; a restart starts them empty.
import { RUNNING_STATES, type RequestState } from '../core/request-states.js';
import type { ThroughputSample } from '../core/request-types.js';
import type { RequestRecord, StateStore } from '../state/state-store.js';

export const SAMPLE_MS = 1000;
/** a paused request is sampled too: its rate falls to 0 as its last tasks finish, and its line goes on while it waits */
const SAMPLED_STATES: readonly RequestState[] = [...RUNNING_STATES, 'paused'];
/** an hour at one sample a second, per request */
const SAMPLES_KEPT = 3600;
/** the rings of this many requests, the least recently sampled dropped first */
const REQUESTS_KEPT = 64;

/** a fixed-size ring of samples, oldest first when read */
class Ring {
  private readonly items: ThroughputSample[] = [];
  private start = 0;

  push(s: ThroughputSample): void {
    if (this.items.length < SAMPLES_KEPT) { this.items.push(s); return; }
    this.items[this.start] = s;
    this.start = (this.start + 1) % SAMPLES_KEPT;
  }

  last(): ThroughputSample | undefined {
    return this.items.length === 0 ? undefined : this.items[(this.start + this.items.length - 1) % this.items.length];
  }

  /** samples after time `after` (epoch ms), oldest first */
  after(after: number): ThroughputSample[] {
    const all = [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
    return all.filter((s) => s.t > after);
  }
}

function moved(r: RequestRecord): { bytes: number; files: number } {
  const c = r.counters;
  return { bytes: c.bytesCopied + c.bytesResumed, files: c.filesCopied + c.filesUpToDate + c.failed };
}

export class ThroughputSampler {
  private readonly rings = new Map<string, Ring>();
  /** requests that were running at the last tick */
  private running = new Set<string>();
  /** requests that stopped at the last tick: their idle sample (rate 0) is due */
  private idle = new Set<string>();
  private readonly total = new Ring();

  /** each agent's bytes moved at the last tick, and its rate over that tick */
  private agentBytes = new Map<string, number>();
  private readonly agentRate = new Map<string, number>();

  /** `movedBy`: bytes each agent reported moved so far (AgentService.movedBy; this process's reports only) */
  constructor(private readonly store: StateStore, private readonly now: () => number,
    private readonly movedBy: () => ReadonlyMap<string, { bytes: number }> = () => new Map()) {}

  /** one tick: a sample of every running request, and the last ones of those that stopped */
  async sample(): Promise<void> {
    const t = this.now();
    const active = await this.store.requestsIn(SAMPLED_STATES);
    const seen = new Set<string>();
    let rate = 0;
    for (const r of active) {
      seen.add(r.id);
      rate += this.add(r.id, t, moved(r));
    }
    for (const id of this.idle) {
      const ring = this.rings.get(id);
      const last = ring?.last();
      if (!seen.has(id) && last !== undefined && last.t < t) ring?.push({ t, bytes: last.bytes, files: last.files, rate: 0 });
    }
    this.idle = new Set();
    for (const id of this.running) {
      if (seen.has(id)) continue;
      const r = await this.store.getRequest(id);
      if (r !== undefined) rate += this.add(id, t, moved(r));
      this.idle.add(id);
    }
    this.running = seen;
    this.total.push({ t, bytes: (this.total.last()?.bytes ?? 0) + rate * (SAMPLE_MS / 1000), files: 0, rate });
    this.sampleAgents(t);
  }

  private lastAgentTick = 0;

  private sampleAgents(t: number): void {
    const dt = (t - this.lastAgentTick) / 1000;
    const now = new Map<string, number>();
    for (const [id, m] of this.movedBy()) {
      now.set(id, m.bytes);
      const before = this.agentBytes.get(id);
      this.agentRate.set(id, before === undefined || this.lastAgentTick === 0 || dt <= 0 ? 0 : Math.max(0, (m.bytes - before) / dt));
    }
    this.agentBytes = now;
    this.lastAgentTick = t;
  }

  /** bytes per second each agent moved over the last tick (agents that reported to this process) */
  agentRates(): Record<string, number> {
    return Object.fromEntries(this.agentRate);
  }

  /** adds a sample; returns its rate (bytes/s since the one before; 0 for the first, or after a retry reset the counters) */
  private add(id: string, t: number, m: { bytes: number; files: number }): number {
    let ring = this.rings.get(id);
    if (ring === undefined) {
      if (this.rings.size >= REQUESTS_KEPT) this.rings.delete(this.rings.keys().next().value as string);
      ring = new Ring();
    } else {
      this.rings.delete(id); // re-inserted below: the map's order is that of the last sample
    }
    this.rings.set(id, ring);
    const prev = ring.last();
    const dt = prev === undefined ? 0 : (t - prev.t) / 1000;
    const rate = prev === undefined || dt <= 0 ? 0 : Math.max(0, (m.bytes - prev.bytes) / dt);
    ring.push({ t, bytes: m.bytes, files: m.files, rate });
    return rate;
  }

  /** a request's samples after `after` (epoch ms), oldest first; none when it never ran in this process */
  of(id: string, after = 0): ThroughputSample[] {
    return this.rings.get(id)?.after(after) ?? [];
  }

  /** the rate of all requests together, one sample a tick; `bytes` adds the rates up */
  all(after = 0): ThroughputSample[] {
    return this.total.after(after);
  }
}
