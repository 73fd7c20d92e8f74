// Waits between the tries of a retry loop: start small, double to a cap, and spread each
// wait by ±jitter so that many agents cut off at once do not come back in step.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** each wait is its step times a factor in [1 - jitter, 1 + jitter] */
  jitter: number;
  /** [0, 1): Math.random unless a test needs it fixed */
  random?: () => number;
}

/** 1 s doubling to 30 s, ±20%: what the loops that talk to a coordinator or a database use */
export const NETWORK_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, jitter: 0.2 };

export class Backoff {
  private failures = 0;
  constructor(private readonly o: BackoffOptions) {}

  /** the step (before jitter) of the wait after `failures` failures in a row (1 = the first) */
  stepMs(failures = this.failures): number {
    if (failures <= 0) return 0;
    return Math.min(this.o.maxMs, this.o.initialMs * 2 ** Math.min(failures - 1, 40));
  }

  /** one more failure: how long to wait before the next try */
  next(): number {
    this.failures++;
    const r = (this.o.random ?? Math.random)();
    return Math.max(0, Math.round(this.stepMs() * (1 + this.o.jitter * (2 * r - 1))));
  }

  /** failures in a row so far */
  get count(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}
