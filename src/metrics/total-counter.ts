// Prometheus helpers that the coordinator's and the agents' metrics share.
import { Counter, type Registry } from 'prom-client';

/** A counter fed by a total that only grows: each scrape adds what was moved since the last one. */
export function totalCounter(registry: Registry, name: string, help: string, total: () => number): void {
  let seen = 0;
  const c: Counter = new Counter({
    name, help, registers: [registry],
    collect: () => {
      const now = total();
      if (now > seen) c.inc(now - seen);
      seen = Math.max(seen, now);
    },
  });
}
