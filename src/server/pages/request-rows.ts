// A request as a row of the dashboard's tables (the overview's active requests, the requests
// list): each live cell carries data-field and its raw value, so dashboard.js can update it
// from the server-sent events and a test can compare it with the API.
import type { RequestView } from '../../core/request-types.js';
import { age, bytes, eta, html, percent, rate, type Html } from './html.js';

/** how far a request is: by bytes once the walk found some, else by files */
export function progressOf(v: RequestView): { done: number; of: number } {
  return v.bytes.toCopy > 0 ? { done: v.bytes.copied, of: v.bytes.toCopy } : { done: v.files.copied + v.files.upToDate + v.files.failed, of: v.files.found };
}

export const ROW_HEADINGS = html`<tr><th>id</th><th>source → destination</th><th>state</th><th>%</th>
<th title="done / skipped (up to date) / failed / found">files d/s/f/total</th><th>bytes</th><th>rate</th><th>ETA</th><th>priority</th><th>age</th></tr>`;

export function requestRow(v: RequestView, now: number): Html {
  const p = progressOf(v);
  return html`<tr data-request-id="${v.id}">
<td><a href="/requests/${encodeURIComponent(v.id)}">${v.id}</a></td>
<td>${v.source} → ${v.destination}</td>
<td><span class="state state-${v.state}" data-field="state">${v.state}</span></td>
<td data-field="percent">${percent(p.done, p.of)}</td>
<td data-field="files">${v.files.copied} / ${v.files.upToDate} / ${v.files.failed} / ${v.files.found}</td>
<td data-field="bytes" data-value="${v.bytes.copied}">${bytes(v.bytes.copied)} of ${bytes(v.bytes.toCopy)}</td>
<td data-field="rate" data-value="${v.rate}">${rate(v.rate)}</td>
<td data-field="eta">${eta(v.etaSeconds)}</td>
<td data-field="priority">${v.priority}</td>
<td>${age(v.createdAt, now)}</td>
</tr>`;
}

export function requestTable(items: readonly RequestView[], now: number, empty: string): Html {
  if (items.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<table class="requests"><thead>${ROW_HEADINGS}</thead><tbody>${items.map((v) => requestRow(v, now))}</tbody></table>`;
}
