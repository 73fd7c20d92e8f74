// A loop that fails the same way many times a second (a full disk under the coordinator's
// loops) logs the first failure, then how many more there were once per window: one line
// every 30 s, not hundreds.
import type { LogSink } from '../core/log-sink.js';

const WINDOW_MS = 30_000;
/** distinct messages remembered at once; the oldest go first */
const MAX_KEPT = 100;

export function repeatLimited(log: LogSink, what: string, now: () => number = Date.now): (e: unknown) => void {
  const seen = new Map<string, { at: number; more: number }>();
  return (e) => {
    const message = e instanceof Error ? e.message : String(e);
    const t = now();
    const s = seen.get(message);
    if (s !== undefined && t - s.at < WINDOW_MS) { s.more++; return; }
    const more = s?.more ?? 0;
    seen.delete(message);
    if (seen.size >= MAX_KEPT) seen.delete(seen.keys().next().value as string);
    seen.set(message, { at: t, more: 0 });
    log.error({ cause: message, ...(more > 0 ? { repeated: more } : {}) },
      `${what}: ${message}${more > 0 ? ` (and ${more} more time(s) in the last ${Math.round((t - (s?.at ?? t)) / 1000)} s)` : ''}`);
  };
}
