// Start-up that waits: a service whose database, or an agent whose coordinator, is not up
// yet tries again with backoff, saying what it waits for, instead of exiting; an error
// that waiting will not heal (a bad address, a refused password) ends it at once, and so
// does `signal` (SIGINT, SIGTERM).
import { BargeError } from './errors.js';
import type { RetryStreak } from './retry-streak.js';

export interface UntilUpOptions {
  /** true for an error that may pass (refused connection, 503); false ends the wait with it */
  transient(e: unknown): boolean;
  streak: RetryStreak;
  signal: AbortSignal;
  /** what the wait was for, in the error that a signal ends it with: "the database at …" */
  waitingFor: string;
}

export async function untilUp<T>(attempt: () => Promise<T>, o: UntilUpOptions): Promise<T> {
  for (;;) {
    if (o.signal.aborted) throw new BargeError('E_INTERRUPTED', `interrupted while waiting for ${o.waitingFor}`);
    try {
      const got = await attempt();
      o.streak.succeeded();
      return got;
    } catch (e) {
      if (!o.transient(e)) throw e;
      const ms = o.streak.failed(e);
      await new Promise<void>((resolve) => {
        const done = (): void => { clearTimeout(t); o.signal.removeEventListener('abort', done); resolve(); };
        const t = setTimeout(done, ms);
        o.signal.addEventListener('abort', done);
      });
    }
  }
}
