// Live changes for server-sent events: about once a second, the view of each request that
// changed since the last look (open ones, those marked changed here, and those last seen
// open, so their end is published too). Nothing is read while no one listens.
import { EventEmitter } from 'node:events';
import type { RequestRecord, StateStore } from '../state/state-store.js';
import { OPEN_STATES } from '../core/request-states.js';
import type { RequestView } from '../core/request-types.js';

const CHANGE_MS = 1000;

export interface ChangePublisherDeps {
  store: StateStore;
  view: (r: RequestRecord) => Promise<RequestView>;
  onError: (e: unknown) => void;
}

export class ChangePublisher {
  private readonly events = new EventEmitter();
  private timer: NodeJS.Timeout | undefined;
  /** requests changed by this process since the last publish (a failed or canceled one may be no longer open) */
  private readonly dirty = new Set<string>();
  /** a round of publishing runs; `again`: another is wanted straight after it */
  private publishing = false;
  private again = false;
  /** updatedAt of each request as last published */
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly d: ChangePublisherDeps) {
    this.events.setMaxListeners(0);
  }

  start(): void {
    this.timer ??= setInterval(() => { void this.publish(); }, CHANGE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** the request changed: its view is published at the next look */
  changed(id: string): void {
    this.dirty.add(id);
  }

  /** the request changed: its view is published now (or straight after the round under way, which may have read it before) */
  publishNow(id: string): void {
    this.dirty.add(id);
    void this.publish();
  }

  onChange(listener: (v: RequestView) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  private async publish(): Promise<void> {
    if (this.events.listenerCount('change') === 0) return;
    if (this.publishing) { this.again = true; return; }
    this.publishing = true;
    try {
      await this.publishChanged();
    } finally {
      this.publishing = false;
      if (this.again) { this.again = false; void this.publish(); }
    }
  }

  private async publishChanged(): Promise<void> {
    const { store } = this.d;
    try {
      const active = await store.requestsIn(OPEN_STATES);
      const ids = new Set([...active.map((r) => r.id), ...this.dirty, ...this.lastSeen.keys()]);
      this.dirty.clear();
      for (const id of ids) {
        const r = await store.getRequest(id);
        if (!r) { this.lastSeen.delete(id); continue; }
        if (this.lastSeen.get(id) === r.updatedAt) continue;
        this.lastSeen.set(id, r.updatedAt);
        if (!OPEN_STATES.includes(r.state)) this.lastSeen.delete(id);
        this.events.emit('change', await this.d.view(r));
      }
    } catch (e) { this.d.onError(e); }
  }
}
