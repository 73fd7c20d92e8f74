// Node's process metrics (prom-client's defaults) for the coordinator and the agents, less the
// three gauges whose names break Prometheus' naming rules.
import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client names these gauges `_total`, a suffix Prometheus keeps for counters, so
 * `promtool check metrics` rejects them. Each is the sum of the gauge of the same name
 * without `_total`, labelled by type (`sum(nodejs_active_handles)`), so nothing is lost.
 */
export const DROPPED_DEFAULT_METRICS: readonly string[] = [
  'nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total',
];

export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name);
}
