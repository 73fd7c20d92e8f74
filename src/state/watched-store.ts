// A StateStore that remembers when the database last failed as "away" (down, full, cannot
// write): a read such as /healthz's ping still passes on a full disk, but every write the
// coordinator tries fails, so health is judged by what the store saw, not by one SELECT.
import { databaseUnavailable, publicAwayReason } from './database-unavailable.js';
import type { StateStore } from './state-store.js';

/** `reason` is short and public (no addresses or paths); the log has the driver's message */
export interface StoreFailure { at: number; reason: string }

export interface WatchedStore {
  store: StateStore;
  /** the last failure of the database being away, if any was seen */
  lastFailure: () => StoreFailure | undefined;
}

export function watchStore(inner: StateStore, now: () => number = Date.now): WatchedStore {
  let last: StoreFailure | undefined;
  const seen = (e: unknown): never => {
    const away = databaseUnavailable(e);
    if (away) last = { at: now(), reason: publicAwayReason(e) };
    throw e;
  };
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]): unknown => {
        let out: unknown;
        try {
          out = (v as (...a: unknown[]) => unknown).apply(target, args);
        } catch (e) { return seen(e); }
        return out instanceof Promise ? out.catch(seen) : out;
      };
    },
  });
  return { store, lastFailure: () => last };
}
