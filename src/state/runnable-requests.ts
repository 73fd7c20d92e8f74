// The requests a lease may take tasks from (running or finalizing), in the order leases
// serve them, kept for a short while so that a lease is one round trip, not two.
//
// Only a hint: the lease statement itself checks that its request is still running at
// the phase it was read at, so a stale list can delay a new request's first lease by at
// most MAX_AGE_MS but never lease a task of a paused, canceled or finished request. This
// store's own changes to a request's state drop the list at once; another coordinator's
// are seen within MAX_AGE_MS.
import type { Runnable } from './state-store.js';

/** how long a read list serves leases: short beside a request's life, long beside a lease */
export const MAX_AGE_MS = 200;

export class RunnableRequests {
  private list: Runnable[] | undefined;
  private readAt = 0;
  private generation = 0;
  private reading: Promise<Runnable[]> | undefined;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** the list, read again by `read` when it is older than MAX_AGE_MS or was dropped */
  get(read: () => Promise<Runnable[]>): Promise<Runnable[]> {
    if (this.list && this.clock() - this.readAt < MAX_AGE_MS) return Promise.resolve(this.list);
    // leases that find the list stale at once share one read
    if (!this.reading) {
      const reading = this.readOnce(read);
      this.reading = reading;
      const done = (): void => { if (this.reading === reading) this.reading = undefined; };
      reading.then(done, done);
    }
    return this.reading;
  }

  private async readOnce(read: () => Promise<Runnable[]>): Promise<Runnable[]> {
    const generation = this.generation;
    const startedAt = this.clock();
    const list = await read();
    // a change made while it was read may be missing from it: it serves this lease only
    if (generation === this.generation) {
      this.list = list;
      this.readAt = startedAt;
    }
    return list;
  }

  /** a request changed state or phase: the next lease reads the list again */
  forget(): void {
    this.generation++;
    this.list = undefined;
    this.reading = undefined;
  }
}
