// The log of one retry loop's failures in a row: a line when it starts failing (with the
// cause), at most one per backoff step after that (and one every few minutes once the wait
// is at its cap), and one when it works again. A coordinator away for an hour is a dozen
// lines, not one per try.
import { Backoff, type BackoffOptions } from './backoff.js';
import { causeCode, causeText } from './cause-text.js';
import type { LogSink } from './log-sink.js';

/** at the cap, "still failing" again after this long */
const REMIND_MS = 5 * 60_000;

export interface RetryStreakText {
  /** what fails, as the start of a line: "cannot lease from the coordinator" */
  failing: string;
  /** what is true again, as the start of a line: "coordinator reachable again" */
  recovered: string;
}

export function secondsText(ms: number): string {
  // a report's first retries come within the second: "0.5 s", not "0 s"
  if (ms < 9_950) return `${Number((ms / 1000).toFixed(1))} s`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 360) / 10} h`;
}

export class RetryStreak {
  private since: number | undefined;
  private loggedStep = 0;
  private loggedAt = 0;
  private readonly backoff: Backoff;

  constructor(private readonly text: RetryStreakText, private readonly log: LogSink, backoff: BackoffOptions,
    private readonly now: () => number = Date.now) {
    this.backoff = new Backoff(backoff);
  }

  get failing(): boolean {
    return this.since !== undefined;
  }

  /** a try failed: logs if it is news, and returns how long to wait before the next try */
  failed(e: unknown): number {
    const t = this.now();
    const wait = this.backoff.next();
    const step = this.backoff.stepMs();
    const cause = causeText(e);
    const code = causeCode(e);
    const fields = { cause, ...(code === undefined ? {} : { code }), retryInMs: wait };
    if (this.since === undefined) {
      this.since = t;
      this.log.warn(fields, `${this.text.failing}: ${cause}; trying again in ${secondsText(wait)}`);
    } else if (step > this.loggedStep || t - this.loggedAt >= REMIND_MS) {
      this.log.warn({ ...fields, failingForMs: t - this.since },
        `${this.text.failing} for ${secondsText(t - this.since)}: ${cause}; trying again in ${secondsText(wait)}`);
    } else {
      return wait;
    }
    this.loggedStep = step;
    this.loggedAt = t;
    return wait;
  }

  /** a try worked: logs the recovery if it had been failing */
  succeeded(): void {
    if (this.since === undefined) return;
    const after = this.now() - this.since;
    this.since = undefined;
    this.loggedStep = 0;
    this.backoff.reset();
    this.log.info({ afterMs: after }, `${this.text.recovered} after ${secondsText(after)}`);
  }
}
