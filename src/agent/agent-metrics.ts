// `barge agent --metrics-listen HOST:PORT`: Prometheus text at GET /metrics, and GET /healthz
// (agent-health.ts), on an address of its own (DESIGN.md: metrics on the coordinator and on each agent). What the agent's
// data plane did (sessions, refusals, hostile frames, checksum failures, bytes on the
// wire), under a coordinator what its tasks did (by kind, files and bytes copied, running
// now), and Node's process metrics. No token: bind it to an address only the monitoring
// reaches (the coordinator's /metrics, on the API, takes the API's tokens).
import * as http from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { AgentTaskStats } from './lease-loop.js';
import type { DataPlaneStats } from '../transport/data-server.js';
import { collectProcessMetrics } from '../metrics/process-metrics.js';
import { totalCounter } from '../metrics/total-counter.js';
import type { AgentHealth } from './agent-health.js';

/** a counter per label value, fed by totals that only grow */
function labelledTotals(registry: Registry, name: string, help: string, label: string, totals: () => ReadonlyMap<string, number>): void {
  const seen = new Map<string, number>();
  const c: Counter<string> = new Counter({
    name, help, labelNames: [label], registers: [registry],
    collect: () => {
      for (const [value, n] of totals()) {
        const before = seen.get(value) ?? 0;
        if (n > before) c.inc({ [label]: value }, n - before);
        seen.set(value, Math.max(before, n));
      }
    },
  });
}

/** with --coordinator: what the agent's tasks did (undefined until it has enrolled) */
function taskMetrics(registry: Registry, tasks: () => AgentTaskStats | undefined): void {
  const none = new Map<string, number>();
  labelledTotals(registry, 'barge_agent_tasks_total', 'tasks this agent ran to their end, by kind', 'kind', () => tasks()?.done ?? none);
  totalCounter(registry, 'barge_agent_tasks_failed_total', 'tasks this agent ran that ended with errors', () => tasks()?.failed ?? 0);
  totalCounter(registry, 'barge_agent_files_copied_total', 'files this agent\'s tasks copied', () => tasks()?.filesCopied ?? 0);
  totalCounter(registry, 'barge_agent_bytes_copied_total', 'bytes this agent\'s tasks copied', () => tasks()?.bytesCopied ?? 0);
  const running: Gauge = new Gauge({
    name: 'barge_agent_tasks_running', help: 'tasks running now', registers: [registry],
    collect: () => { running.set(tasks()?.running ?? 0); },
  });
  const slots: Gauge = new Gauge({
    name: 'barge_agent_slots', help: 'tasks this agent runs at once at most', registers: [registry],
    collect: () => { slots.set(tasks()?.slots ?? 0); },
  });
}

/** `tasks`: given for an agent under a coordinator */
export function agentMetricsRegistry(stats: () => DataPlaneStats, tasks?: () => AgentTaskStats | undefined): Registry {
  const registry = new Registry();
  collectProcessMetrics(registry);
  totalCounter(registry, 'barge_agent_received_bytes_total', 'bytes the data plane received, frames included', () => stats().bytesIn);
  totalCounter(registry, 'barge_agent_sent_bytes_total', 'bytes the data plane sent, frames included', () => stats().bytesOut);
  totalCounter(registry, 'barge_agent_sessions_total', 'data-plane sessions opened (handshake passed)', () => stats().sessions);
  totalCounter(registry, 'barge_agent_refused_total', 'connections refused: bad token or grant, an endpoint not served', () => stats().refused);
  totalCounter(registry, 'barge_agent_protocol_errors_total', 'connections ended for a malformed or hostile frame', () => stats().protocolErrors);
  totalCounter(registry, 'barge_agent_checksum_errors_total', 'files or chunks whose received bytes did not hash to what the sender read', () => stats().checksumErrors);
  const open: Gauge = new Gauge({
    name: 'barge_agent_connections', help: 'data-plane connections open now', registers: [registry],
    collect: () => { open.set(stats().connections); },
  });
  if (tasks) taskMetrics(registry, tasks);
  return registry;
}

export interface MetricsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** serves the registry at GET /metrics and `health` at GET /healthz: 200 when ok, else 503 (anything else: 404) */
export function serveMetrics(registry: Registry, host: string, port: number, health: () => AgentHealth): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const route = req.method === 'GET' ? (req.url ?? '').split('?')[0] : undefined;
    if (route === '/healthz') {
      const h = health();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h) + '\n');
      return;
    }
    if (route !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: only GET /metrics and GET /healthz are served here\n');
      return;
    }
    registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType }).end(text);
    }, (e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${e instanceof Error ? e.message : String(e)}\n`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      const bound = typeof a === 'object' && a !== null ? a : { address: host, port };
      resolve({
        host: bound.address, port: bound.port,
        close: () => new Promise((done) => { server.close(() => done()); server.closeAllConnections(); }),
      });
    });
  });
}
