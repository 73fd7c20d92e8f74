// The coordinator's health as /healthz tells it: the database answers, and did not refuse
// a statement as away lately (a full disk still answers SELECTs, so one ping is not enough).
import type { StateStore } from '../state/state-store.js';
import type { StoreFailure } from '../state/watched-store.js';

/** a database failure this recent makes the coordinator unhealthy (its loops write every tick while there is work) */
const HEALTH_WINDOW_MS = 5000;

/** down when the database does not answer a read, or refused a statement as away within the last HEALTH_WINDOW_MS */
export async function storeHealth(store: StateStore, lastFailure: () => StoreFailure | undefined, now: () => number): Promise<{ ok: boolean; db: string; message?: string }> {
  try {
    await store.ping();
  } catch {
    return { ok: false, db: store.flavor, message: 'the database does not answer' };
  }
  const f = lastFailure();
  if (f !== undefined && now() - f.at < HEALTH_WINDOW_MS) return { ok: false, db: store.flavor, message: `${f.reason} (${Math.round((now() - f.at) / 1000)} s ago)` };
  return { ok: true, db: store.flavor };
}
