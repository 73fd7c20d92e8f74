// Agents and sites: each agent's liveness, endpoints, running tasks, rate and data plane; each
// site's endpoints; each endpoint's kind, place and whether it may be written.
import type { CoordinatorApi } from '../coordinator-api.js';
import { age, html, rate, type Html } from './html.js';

export async function agentsBody(api: CoordinatorApi, now: number): Promise<Html> {
  const agents = await api.agents();
  const rates = api.agentRates();
  const agentRows = agents.map((a) => html`<tr data-agent="${a.name}">
<td>${a.name}</td><td>${a.site}</td><td><span class="state state-${a.state === 'alive' ? 'running' : 'failed'}">${a.state}</span>${a.lostSince !== undefined ? html` (since ${new Date(a.lostSince).toISOString()})` : html``}</td>
<td>${a.running} / ${a.slots}</td><td data-field="rate" data-value="${rates[a.id] ?? 0}">${rate(rates[a.id] ?? 0)}</td><td>${a.endpoints.join(', ')}</td><td>${a.dataAddress ?? 'local only'}${a.dataTls === true ? ' (TLS)' : ''}</td>
<td>${age(new Date(a.lastSeen).toISOString(), now)} ago</td><td>${a.coordinator}</td><td>${a.version ?? 'unknown'}</td></tr>`);
  const endpoints = api.endpoints();
  const sites = api.sites();
  return html`<section><h2>Agents</h2>${agents.length === 0 ? html`<p class="empty">No agent has joined.</p>` : html`
<table id="agents"><thead><tr><th>name</th><th>site</th><th>liveness</th><th>running / slots</th><th title="bytes per second the agent reported over the last second (to this coordinator)">rate</th><th>endpoints</th><th>data plane</th><th>last seen</th><th>coordinator</th><th title="the barge version it enrolled with">barge</th></tr></thead>
<tbody>${agentRows}</tbody></table>`}</section>
<section><h2>Sites</h2><table id="sites"><thead><tr><th>site</th><th>description</th><th>endpoints</th></tr></thead><tbody>
${sites.map((s) => html`<tr><td>${s.name}</td><td>${s.description ?? ''}</td><td>${s.endpoints.join(', ')}</td></tr>`)}</tbody></table></section>
<section><h2>Endpoints</h2><table id="endpoints"><thead><tr><th>endpoint</th><th>kind</th><th>path</th><th>writable</th><th>site</th></tr></thead><tbody>
${endpoints.map((e) => html`<tr><td>${e.name}</td><td>${e.kind}</td><td><code>${e.path}</code></td><td>${e.write ? 'yes' : 'no'}</td><td>${e.site}</td></tr>`)}</tbody></table></section>`;
}
