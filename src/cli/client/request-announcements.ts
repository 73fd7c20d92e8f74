// What `barge watch` hears of one request between its polls: the coordinator's event
// stream (GET /api/events) cuts a wait short when the request changes, so a request that
// ends is seen at once rather than at the next poll. Without the stream (an older
// coordinator, a proxy that holds it back, a restart) the watch polls as before and opens
// the stream again now and then.
import type { ApiClient } from './api-client.js';

/** how soon a stream that ended may be opened again */
const REOPEN_MS = 5000;

export class RequestAnnouncements {
  /** the stream is open: changes are announced */
  live = false;
  private close: (() => void) | undefined;
  private openedAt = 0;
  private wake: (() => void) | undefined;
  private poked = false;
  private stopped = false;

  constructor(private readonly api: ApiClient, private readonly id: string) {
    this.open();
  }

  /** opens the stream again if it ended a while ago */
  reopen(): void {
    if (this.close === undefined && !this.stopped && Date.now() - this.openedAt >= REOPEN_MS) this.open();
  }

  private open(): void {
    this.openedAt = Date.now();
    this.close = this.api.requestEvents({
      // once subscribed, look again: a change made before the stream opened is not missed
      onOpen: () => { this.live = true; this.poke(); },
      onView: (v) => { if (v.id === this.id) this.poke(); },
      onEnd: () => { this.live = false; this.close = undefined; },
    });
  }

  private poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /** resolves after `ms`, or sooner when the request changed (also a change since the last wait) */
  wait(ms: number): Promise<void> {
    if (this.poked) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        this.poked = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  stop(): void {
    this.stopped = true;
    this.close?.();
    this.close = undefined;
    this.wake?.();
  }
}
