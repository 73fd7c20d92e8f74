// GET /metrics: Prometheus text from a registry of this server's own (two servers in one process,
// as in tests, do not share counters), filled from the CoordinatorApi when scraped.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Type } from 'typebox';
import type { CoordinatorApi, MetricsSnapshot } from '../coordinator-api.js';
import { REQUEST_STATES } from '../../core/request-states.js';
import { totalCounter } from '../../metrics/total-counter.js';
import { ERROR_RESPONSES } from '../schemas.js';
import type { TypedApp } from '../typed-app.js';

/** From a local SQLite lease (milliseconds) to a long-poll that waited for work (tens of seconds). */
const LEASE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** One api.metrics() per scrape, shared by the gauges that read it (prom-client collects them all at once). */
function sharedSnapshot(api: CoordinatorApi): () => Promise<MetricsSnapshot> {
  let inFlight: Promise<MetricsSnapshot> | undefined;
  return () => {
    inFlight ??= api.metrics().finally(() => { inFlight = undefined; });
    return inFlight;
  };
}

function stateGauges(registry: Registry, snapshot: () => Promise<MetricsSnapshot>): void {
  const tasks: Gauge<'state' | 'kind'> = new Gauge({
    name: 'barge_tasks', help: 'tasks by state and kind', labelNames: ['state', 'kind'], registers: [registry],
    collect: async () => {
      const s = await snapshot();
      tasks.reset();
      for (const t of s.tasks) tasks.set({ state: t.state, kind: t.kind }, t.n);
    },
  });
  const requests: Gauge<'state'> = new Gauge({
    name: 'barge_requests', help: 'requests by state', labelNames: ['state'], registers: [registry],
    collect: async () => {
      const s = await snapshot();
      // every state shows, 0 included, so a dashboard's series do not come and go
      for (const state of REQUEST_STATES) requests.set({ state }, 0);
      for (const r of s.requests) requests.set({ state: r.state }, r.n);
    },
  });
  const depth: Gauge = new Gauge({
    name: 'barge_queue_depth', help: 'queued tasks of running requests', registers: [registry],
    collect: async () => { depth.set((await snapshot()).queueDepth); },
  });
  // the database holds the totals; a total that drops (a retried request forgets its errors) reads as a counter reset
  const errors: Counter<'code'> = new Counter({
    name: 'barge_task_errors_total', help: 'per-file errors recorded, by code', labelNames: ['code'], registers: [registry],
    collect: async () => {
      const s = await snapshot();
      errors.reset();
      for (const e of s.errors) errors.inc({ code: e.code }, e.n);
    },
  });
}

/** Builds the registry and its metrics; the returned function stops listening to the api. */
export function metricsRegistry(api: CoordinatorApi): { registry: Registry; stop: () => void } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  stateGauges(registry, sharedSnapshot(api));
  totalCounter(registry, 'barge_bytes_copied_total', 'bytes the agents of this process copied', () => api.moved().bytes);
  totalCounter(registry, 'barge_files_copied_total', 'files the agents of this process copied', () => api.moved().files);
  const lease = new Histogram({
    name: 'barge_lease_seconds', help: 'how long a lease call took', buckets: LEASE_BUCKETS, registers: [registry],
  });
  const stop = api.onLease((seconds) => lease.observe(seconds));
  return { registry, stop };
}

export function metricsRoutes(app: TypedApp, api: CoordinatorApi): void {
  const { registry, stop } = metricsRegistry(api);
  app.addHook('onClose', (_app, done) => {
    stop();
    done();
  });
  app.get('/metrics', {
    schema: { summary: 'Prometheus metrics', tags: ['health'], response: { 200: Type.String(), ...ERROR_RESPONSES } },
  }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
