// The overview: how many requests are active, the rate of all of them together (a chart of
// the coordinator's samples), failures in the last hour, agents alive and lost, the queue.
import type { CoordinatorApi } from '../coordinator-api.js';
import { OPEN_STATES } from '../../core/request-states.js';
import { html, type Html } from './html.js';
import { requestTable } from './request-rows.js';

const HOUR_MS = 60 * 60_000;

/** the part that htmx refreshes every few seconds */
export async function overviewLive(api: CoordinatorApi, now: number): Promise<Html> {
  const [m, agents, active, failed] = await Promise.all([
    api.metrics(), api.agents(), api.list({ states: [...OPEN_STATES], limit: 50, offset: 0 }),
    api.list({ states: ['failed'], limit: 200, offset: 0 }),
  ]);
  const byState = new Map(m.requests.map((r) => [r.state, r.n]));
  const open = OPEN_STATES.reduce((n, s) => n + (byState.get(s) ?? 0), 0);
  const failedLastHour = failed.items.filter((v) => v.finishedAt !== null && now - Date.parse(v.finishedAt) < HOUR_MS).length;
  const alive = agents.filter((a) => a.state === 'alive').length;
  const card = (id: string, label: string, value: number, bad = false): Html =>
    html`<div class="card${bad ? ' bad' : ''}"><div class="value" id="${id}">${value}</div><div class="label">${label}</div></div>`;
  return html`<div class="cards">
${card('active-count', 'active requests', open)}
${card('running-count', 'running', (byState.get('running') ?? 0) + (byState.get('finalizing') ?? 0))}
${card('queue-depth', 'tasks queued', m.queueDepth)}
<a href="/requests?state=failed" class="card-link">${card('failed-hour', 'failed in the last hour', failedLastHour, failedLastHour > 0)}</a>
${card('agents-alive', 'agents alive', alive)}
${card('agents-lost', 'agents lost', agents.length - alive, agents.length - alive > 0)}
</div>
<h2>Active requests</h2>
${requestTable(active.items, now, 'No request is queued, running or paused.')}`;
}

export async function overviewBody(api: CoordinatorApi, now: number): Promise<Html> {
  return html`<section><h2>Rate of all requests</h2><div class="chart" id="rate-chart" data-samples="/api/samples" data-points="0"></div></section>
<section id="overview-live" hx-get="/ui/overview" hx-trigger="every 2s" hx-swap="innerHTML">${await overviewLive(api, now)}</section>`;
}
