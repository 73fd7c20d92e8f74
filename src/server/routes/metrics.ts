// GET /metrics: Prometheus text from a registry of this server's own (two servers in one process,
// as in tests, do not share counters), filled from the CoordinatorApi when scraped. Every
// metric is listed in docs/api.md; ops/ holds alert rules and a Grafana dashboard built on them.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Type } from 'typebox';
import type { CoordinatorApi, MetricsSnapshot } from '../coordinator-api.js';
import { REQUEST_STATES } from '../../core/request-states.js';
import { collectProcessMetrics } from '../../metrics/process-metrics.js';
import { totalCounter } from '../../metrics/total-counter.js';
import { stagingMetrics } from '../../metrics/staging-metrics.js';
import { ERROR_RESPONSES } from '../schemas.js';
import type { TypedApp } from '../typed-app.js';

/** From a local SQLite lease (milliseconds) to a long-poll that waited for work (tens of seconds). */
const LEASE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * One api.metrics() per scrape, shared by the gauges that read it (prom-client collects them all at once).
 * undefined when the database does not answer: those series are left out of that scrape, which still
 * answers 200, so Prometheus' `up` stays about the coordinator and barge_database_up says 0.
 */
function sharedSnapshot(api: CoordinatorApi): () => Promise<MetricsSnapshot | undefined> {
  let inFlight: Promise<MetricsSnapshot | undefined> | undefined;
  return () => {
    inFlight ??= api.metrics().catch(() => undefined).finally(() => { inFlight = undefined; });
    return inFlight;
  };
}

function stateGauges(registry: Registry, snapshot: () => Promise<MetricsSnapshot | undefined>): void {
  const tasks: Gauge<'state' | 'kind'> = new Gauge({
    name: 'barge_tasks', help: 'tasks by state and kind', labelNames: ['state', 'kind'], registers: [registry],
    collect: async () => {
      const s = await snapshot();
      tasks.reset();
      for (const t of s?.tasks ?? []) tasks.set({ state: t.state, kind: t.kind }, t.n);
    },
  });
  const requests: Gauge<'state'> = new Gauge({
    name: 'barge_requests', help: 'requests by state', labelNames: ['state'], registers: [registry],
    collect: async () => {
      const s = await snapshot();
      requests.reset();
      if (s === undefined) return;
      // every state shows, 0 included, so a dashboard's series do not come and go
      for (const state of REQUEST_STATES) requests.set({ state }, 0);
      for (const r of s.requests) requests.set({ state: r.state }, r.n);
    },
  });
  const depth: Gauge = new Gauge({
    name: 'barge_queue_depth', help: 'queued tasks of running requests', registers: [registry],
    collect: async () => {
      // a metric without labels always shows (prom-client), so while the database is away it keeps the last value read
      const s = await snapshot();
      if (s !== undefined) depth.set(s.queueDepth);
    },
  });
  // the database holds the totals; a total that drops (a retried request forgets its errors) reads as a counter reset
  const errors: Counter<'code'> = new Counter({
    name: 'barge_task_errors_total', help: 'per-file errors recorded, by code', labelNames: ['code'], registers: [registry],
    collect: async () => {
      const s = await snapshot();
      errors.reset();
      for (const e of s?.errors ?? []) errors.inc({ code: e.code }, e.n);
    },
  });
}

/** the agents in the table by the placement rule's state (both states shown, 0 included), and whether the database answers */
function serviceGauges(registry: Registry, api: CoordinatorApi): void {
  const agents: Gauge<'state'> = new Gauge({
    name: 'barge_agents', help: 'agents known to the coordinator, alive or lost', labelNames: ['state'], registers: [registry],
    collect: async () => {
      agents.reset();
      const all = await api.agents().catch(() => undefined);
      if (all === undefined) return;
      agents.set({ state: 'alive' }, all.filter((a) => a.state === 'alive').length);
      agents.set({ state: 'lost' }, all.filter((a) => a.state === 'lost').length);
    },
  });
  const up: Gauge = new Gauge({
    name: 'barge_database_up', help: '1 when the database answers (as GET /healthz says), else 0', registers: [registry],
    collect: async () => {
      const h = await api.health().catch(() => ({ ok: false }));
      up.set(h.ok ? 1 : 0);
    },
  });
}

/** Builds the registry and its metrics; the returned function stops listening to the api. */
export function metricsRegistry(api: CoordinatorApi): { registry: Registry; stop: () => void } {
  const registry = new Registry();
  collectProcessMetrics(registry);
  stateGauges(registry, sharedSnapshot(api));
  serviceGauges(registry, api);
  totalCounter(registry, 'barge_bytes_copied_total', 'bytes the agents of this process copied', () => api.moved().bytes);
  totalCounter(registry, 'barge_files_copied_total', 'files the agents of this process copied', () => api.moved().files);
  stagingMetrics(registry, () => api.stagingFigures());
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
    schema: {
      operationId: 'getMetrics', summary: 'Prometheus metrics', tags: ['health'],
      description: 'Prometheus text: requests, tasks, queue depth, errors by code, agents, the database, lease times, bytes and files copied, and Node\'s process metrics (docs/api.md).',
      response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }), ...ERROR_RESPONSES },
    },
  }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
