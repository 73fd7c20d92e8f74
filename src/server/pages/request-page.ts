// One request: its live numbers and throughput chart, the actions an admin may take in its
// state, its counters and options, its errors grouped by code, its manifest a page at a time
// and its audit trail.
import type { CoordinatorApi } from '../coordinator-api.js';
import type { RequestView } from '../../core/request-types.js';
import { STAGE_STATES } from '../../core/staging-figures.js';
import { ACTION_TRANSITIONS, MAX_PRIORITY, MIN_PRIORITY, PRIORITY_FROM, REQUEST_ACTIONS } from '../../core/request-states.js';
import type { StoredError } from '../../state/state-store.js';
import { bytes, eta, html, percent, rate, type Html } from './html.js';
import { progressOf } from './request-rows.js';
import type { Session } from './sessions.js';

export const MANIFEST_PAGE = 100;
/** errors read for the grouping; the API pages through all of them */
const ERRORS_READ = 1000;
const PATHS_SHOWN = 20;

const enc = encodeURIComponent;

/** the buttons of the actions the request's state allows (none for a read token) */
export function actionsPart(v: RequestView, s: Session): Html {
  if (s.role !== 'admin') return html``;
  const url = `/ui/requests/${enc(v.id)}/act`;
  const buttons = REQUEST_ACTIONS.filter((a) => ACTION_TRANSITIONS[a].from.includes(v.state)).map((a) => html`
<form hx-post="${url}" hx-target="#flash" hx-confirm="${a} request ${v.id}?" method="post" action="${url}" class="inline">
<input type="hidden" name="_csrf" value="${s.csrf}"><input type="hidden" name="action" value="${a}">
<button type="submit" class="action action-${a}" id="action-${a}">${a}</button></form>`);
  const priority = PRIORITY_FROM.includes(v.state) ? html`
<form hx-post="${url}" hx-target="#flash" hx-confirm="Change the priority of request ${v.id}?" method="post" action="${url}" class="inline">
<input type="hidden" name="_csrf" value="${s.csrf}"><input type="hidden" name="action" value="priority">
<input type="number" name="priority" id="priority-input" min="${MIN_PRIORITY}" max="${MAX_PRIORITY}" value="${v.priority}">
<button type="submit" class="action" id="action-priority">set priority</button></form>` : html``;
  return html`${buttons}${priority}`;
}

function numbers(v: RequestView): Html {
  const p = progressOf(v);
  const f = v.files;
  return html`<dl class="numbers" data-request-id="${v.id}">
<dt>state</dt><dd><span class="state state-${v.state}" data-field="state">${v.state}</span></dd>
<dt>done</dt><dd data-field="percent">${percent(p.done, p.of)}</dd>
<dt>bytes</dt><dd data-field="bytes" data-value="${v.bytes.copied}">${bytes(v.bytes.copied)} of ${bytes(v.bytes.toCopy)}</dd>
<dt>files</dt><dd data-field="files">${f.copied} / ${f.upToDate} / ${f.failed} / ${f.found}</dd>
<dt>rate</dt><dd data-field="rate" data-value="${v.rate}">${rate(v.rate)}</dd>
<dt>ETA</dt><dd data-field="eta">${eta(v.etaSeconds)}</dd>
<dt>priority</dt><dd data-field="priority">${v.priority}</dd>
</dl>`;
}

export function counters(v: RequestView): Html {
  const rows: [string, string | number][] = [
    ['files found', v.files.found], ['files to copy', v.files.toCopy], ['files copied', v.files.copied], ['files up to date', v.files.upToDate],
    ['files failed', v.files.failed], ['files deleted', v.files.deleted], ['bytes found', bytes(v.bytes.found)], ['bytes to copy', bytes(v.bytes.toCopy)],
    ['bytes copied', bytes(v.bytes.copied)], ['bytes resumed', bytes(v.bytes.resumed)], ['walk done', v.walkDone ? 'yes' : 'no'],
    ['created', v.createdAt], ['started', v.startedAt ?? '–'], ['finished', v.finishedAt ?? '–'], ['submitted by', v.submittedBy ?? '–'],
    ['message', v.message ?? '–'],
  ];
  if (v.waiting) rows.push(['waiting', `${v.waiting.reason} (since ${v.waiting.since}; fails at ${v.waiting.until})`]);
  return html`<table class="kv">${rows.map(([k, x]) => html`<tr><th>${k}</th><td>${x}</td></tr>`)}</table>`;
}

/** from an archive, while this coordinator stages it: mounts, volumes, the shared buffer, its files by stage state */
export function stagingPart(v: RequestView): Html {
  const st = v.staging;
  if (!st) return html`<p class="empty">Not staging now (the figures are this coordinator process's, while it stages the request).</p>`;
  const rows: [string, string | number][] = [
    ['mounts', st.mounts], ['volumes', st.volumes],
    ['buffer', `${bytes(st.bufferUsedBytes)} of ${bytes(st.bufferQuotaBytes)} (${percent(st.bufferUsedBytes, st.bufferQuotaBytes)}; shared by the endpoint's requests)`],
    ...STAGE_STATES.map((k): [string, number] => [`files ${k}`, st.files[k]]),
    ...(st.waiting ? [['waits for room', `since ${st.waiting.since}: ${st.waiting.code}: ${st.waiting.reason}`] as [string, string]] : []),
  ];
  return html`<table class="kv staging">${rows.map(([k, x]) => html`<tr><th>${k}</th><td>${x}</td></tr>`)}</table>`;
}

function options(v: RequestView): Html {
  const entries = Object.entries(v.options);
  if (entries.length === 0) return html`<p class="empty">Default options.</p>`;
  return html`<table class="kv">${entries.map(([k, x]) => html`<tr><th>${k}</th><td><code>${JSON.stringify(x)}</code></td></tr>`)}</table>`;
}

export function errorGroups(errors: readonly StoredError[], total: number): Html {
  if (total === 0) return html`<p class="empty">No errors.</p>`;
  const byCode = new Map<string, StoredError[]>();
  for (const e of errors) byCode.set(e.code, [...(byCode.get(e.code) ?? []), e]);
  const groups = [...byCode.entries()].sort((a, b) => b[1].length - a[1].length).map(([code, list]) => html`
<details class="error-group" data-code="${code}"><summary><code>${code}</code>: ${list.length} file(s)</summary><ul>
${list.slice(0, PATHS_SHOWN).map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}
${list.length > PATHS_SHOWN ? html`<li>… and ${list.length - PATHS_SHOWN} more (GET /api/requests/ID/errors pages through all)</li>` : html``}
</ul></details>`);
  return html`${total > errors.length ? html`<p>The first ${errors.length} of ${total} errors, by code:</p>` : html``}${groups}`;
}

export async function manifestPart(api: CoordinatorApi, id: string, offset: number): Promise<Html> {
  const page = await api.manifest(id, MANIFEST_PAGE, offset);
  if (page.total === 0) return html`<p class="empty">Nothing in the manifest yet.</p>`;
  const at = (o: number): string => `/ui/requests/${enc(id)}/manifest?offset=${o}`;
  const nav = (o: number, text: string, rel: string): Html => html`<a href="${at(o)}" hx-get="${at(o)}" hx-target="#manifest" rel="${rel}">${text}</a>`;
  return html`<p class="paging">${offset + 1}–${offset + page.items.length} of ${page.total}
${offset > 0 ? nav(Math.max(0, offset - MANIFEST_PAGE), '← previous', 'prev') : html``}
${offset + MANIFEST_PAGE < page.total ? nav(offset + MANIFEST_PAGE, 'next →', 'next') : html``}</p>
<table class="manifest"><thead><tr><th>path</th><th>size</th><th>mtime (ns)</th><th>hash</th></tr></thead><tbody>
${page.items.map((m) => html`<tr><td><code>${m.path}</code></td><td>${bytes(m.size)}</td><td>${m.mtimeNs}</td><td><code>${m.hash}</code></td></tr>`)}
</tbody></table>`;
}

export async function auditPart(api: CoordinatorApi, id: string): Promise<Html> {
  const page = await api.audit(id, 200, 0);
  return html`<table class="audit"><thead><tr><th>when</th><th>who</th><th>action</th><th>detail</th></tr></thead><tbody>
${page.items.map((e) => html`<tr><td>${new Date(e.at).toISOString()}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.detail ?? ''}</td></tr>`)}
</tbody></table>${page.total > page.items.length ? html`<p>The first ${page.items.length} of ${page.total} entries.</p>` : html``}`;
}

/** the errors by code, read again when the request's state changes */
export async function errorsPart(api: CoordinatorApi, id: string): Promise<Html> {
  const errors = await api.errors(id, ERRORS_READ, 0);
  return errorGroups(errors.items, errors.total);
}

export async function requestBody(api: CoordinatorApi, v: RequestView, s: Session): Promise<Html> {
  const [errors, manifest, audit] = await Promise.all([errorsPart(api, v.id), manifestPart(api, v.id, 0), auditPart(api, v.id)]);
  const at = `/ui/requests/${enc(v.id)}`;
  return html`<p class="route"><code>${v.source}</code> → <code>${v.destination}</code></p>
<div id="flash"></div>
<div id="actions" class="actions" hx-get="/ui/requests/${enc(v.id)}/actions" hx-trigger="request-state-changed from:body" hx-swap="innerHTML">${actionsPart(v, s)}</div>
${numbers(v)}
<section><h2>Throughput</h2><div class="chart" id="request-chart" data-samples="/api/requests/${enc(v.id)}/samples" data-points="0"></div></section>
<section><h2>Counters</h2><div id="counters" hx-get="${at}/counters" hx-trigger="every 2s" hx-swap="innerHTML">${counters(v)}</div></section>
${v.staging ? html`<section id="staging-section"><h2>Staging</h2><div id="staging" hx-get="${at}/staging" hx-trigger="every 2s" hx-swap="innerHTML">${stagingPart(v)}</div></section>` : html``}
<section><h2>Options</h2>${options(v)}</section>
<section><h2>Errors</h2><div id="errors" hx-get="${at}/errors" hx-trigger="request-state-changed from:body" hx-swap="innerHTML">${errors}</div></section>
<section><h2>Manifest</h2><div id="manifest">${manifest}</div></section>
<section><h2>Audit trail</h2><div id="audit" hx-get="${at}/audit" hx-trigger="request-state-changed from:body" hx-swap="innerHTML">${audit}</div></section>`;
}
