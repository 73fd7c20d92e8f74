// Failed dashboard logins, counted per client address: after LOGIN_FAILURES_MAX of them within
// LOGIN_WINDOW_MS, that address is refused (429) until the window of its first failure has
// passed, before its token is even looked at. Tokens are long and random, so guessing one is
// hopeless anyway; this keeps a guesser (or a script with a stale token) from filling the log
// with a line a try, and from costing the coordinator a comparison a try. Only failures count:
// an operator who logs in is never held back by their own logins.

/** failed logins from one address that lock it for the rest of the window */
export const LOGIN_FAILURES_MAX = 10;
export const LOGIN_WINDOW_MS = 5 * 60_000;
/** addresses remembered at most: a flood from many addresses cannot grow this without bound */
const MAX_ADDRESSES = 10_000;

interface Failures {
  /** when the first failure of the current window was */
  since: number;
  count: number;
}

export class LoginThrottle {
  private readonly byAddress = new Map<string, Failures>();

  constructor(private readonly now: () => number = Date.now) {}

  /** ms until `address` may try again; 0 when it may now */
  lockedFor(address: string): number {
    const f = this.current(address);
    if (f === undefined || f.count < LOGIN_FAILURES_MAX) return 0;
    return f.since + LOGIN_WINDOW_MS - this.now();
  }

  /** counts a failed login; true when this one locked the address (the moment to log it once) */
  failed(address: string): boolean {
    const f = this.current(address) ?? { since: this.now(), count: 0 };
    f.count++;
    // the oldest entry goes first when full: Map keeps insertion order, and a failure re-inserts
    this.byAddress.delete(address);
    this.byAddress.set(address, f);
    if (this.byAddress.size > MAX_ADDRESSES) this.byAddress.delete(this.byAddress.keys().next().value as string);
    return f.count === LOGIN_FAILURES_MAX;
  }

  private current(address: string): Failures | undefined {
    const f = this.byAddress.get(address);
    if (f !== undefined && this.now() - f.since >= LOGIN_WINDOW_MS) {
      this.byAddress.delete(address);
      return undefined;
    }
    return f;
  }
}
