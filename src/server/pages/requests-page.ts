// The requests list: filtered by state and by a text in its id, source or destination, newest first, a page at a time; and for an admin
// the form that submits a new request with the sync flags of `barge submit`.
import type { CoordinatorApi } from '../coordinator-api.js';
import { REQUEST_STATES, type RequestState } from '../../core/request-states.js';
import { MAX_PRIORITY, MIN_PRIORITY } from '../../core/request-states.js';
import { html, type Html } from './html.js';
import { requestTable } from './request-rows.js';
import type { Session } from './sessions.js';

export const PAGE_SIZE = 50;

export interface ListQuery { state?: string; q?: string; offset?: string }

function statesOf(q: ListQuery): RequestState[] | undefined {
  const s = REQUEST_STATES.find((x) => x === q.state);
  return s === undefined ? undefined : [s];
}

function offsetOf(q: ListQuery): number {
  const n = Number(q.offset ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

function textOf(q: ListQuery): string | undefined {
  return typeof q.q === 'string' && q.q.trim() !== '' ? q.q.trim() : undefined;
}

function link(state: RequestState | undefined, text: string | undefined, offset: number): string {
  const p = new URLSearchParams();
  if (state !== undefined) p.set('state', state);
  if (text !== undefined) p.set('q', text);
  if (offset > 0) p.set('offset', String(offset));
  const qs = p.toString();
  return `/requests${qs === '' ? '' : `?${qs}`}`;
}

/** the table and its paging links: what htmx refreshes */
export async function requestList(api: CoordinatorApi, q: ListQuery, now: number): Promise<Html> {
  const states = statesOf(q);
  const offset = offsetOf(q);
  const text = textOf(q);
  const page = await api.list({ ...(states ? { states } : {}), ...(text !== undefined ? { text } : {}), limit: PAGE_SIZE, offset });
  const state = states?.[0];
  const prev = offset > 0 ? html`<a href="${link(state, text, Math.max(0, offset - PAGE_SIZE))}" rel="prev">← newer</a>` : html``;
  const next = offset + PAGE_SIZE < page.total ? html`<a href="${link(state, text, offset + PAGE_SIZE)}" rel="next">older →</a>` : html``;
  const shown = page.items.length === 0 ? 'none' : `${offset + 1}–${offset + page.items.length}`;
  return html`<p class="paging"><span id="shown">${shown} of ${page.total}</span> ${prev} ${next}</p>
${requestTable(page.items, now, state === undefined && text === undefined ? 'No request yet.' : 'No request matches.')}`;
}

function filterForm(q: ListQuery): Html {
  const current = statesOf(q)?.[0];
  const options = [html`<option value="">any state</option>`,
    ...REQUEST_STATES.map((s) => html`<option value="${s}"${s === current ? html` selected` : html``}>${s}</option>`)];
  return html`<form method="get" action="/requests" class="filter"><label>State <select name="state" id="state-filter">${options}</select></label>
<label>Id, source or destination holds <input name="q" id="text-filter" value="${textOf(q) ?? ''}" placeholder="e.g. run-42 or panda:/data"></label>
<button type="submit" id="filter-button">Filter</button></form>`;
}

/** the sync flags of `barge submit`, as a form (the admin's) */
export function submitForm(s: Session): Html {
  const check = (name: string, label: string, title: string): Html => html`<label title="${title}"><input type="checkbox" name="${name}" value="true"> ${label}</label>`;
  return html`<details class="submit" id="submit-box"><summary>Submit a request</summary>
<form hx-post="/ui/submit" hx-target="#flash" hx-confirm="Submit this request?" method="post" action="/ui/submit" id="submit-form">
<input type="hidden" name="_csrf" value="${s.csrf}">
<label>Source <input name="source" id="source" placeholder="endpoint:/path" required></label>
<label>Destination <input name="destination" id="destination" placeholder="endpoint:/path" required></label>
<label>Id <input name="id" placeholder="(optional) your own id"></label>
<label>Priority <input type="number" name="priority" min="${MIN_PRIORITY}" max="${MAX_PRIORITY}" value="5"></label>
<fieldset><legend>Sync flags</legend>
${check('delete', '--delete', 'remove files at the destination that the source does not have')}
${check('checksum', '--checksum', 'compare files by content, not size and time')}
${check('sizeOnly', '--size-only', 'compare by size alone')}
${check('ignoreExisting', '--ignore-existing', 'skip files the destination already has')}
${check('verify', '--verify', 'read back and check what was written')}
${check('keepPartial', '--keep-partial', 'a cancel keeps partial large files for a retry')}
${check('acls', '-A, --acls', 'keep POSIX ACLs')}
${check('xattrs', '-X, --xattrs', 'keep extended attributes')}
<label>--max-delete <input type="number" name="maxDelete" min="0" placeholder="no limit"></label>
<label>--deadline <input name="deadline" placeholder="ISO 8601, e.g. 2026-12-31T18:00:00Z"></label>
</fieldset>
<button type="submit" id="submit-button">Submit</button>
</form></details>`;
}

export async function requestsBody(api: CoordinatorApi, q: ListQuery, s: Session, now: number): Promise<Html> {
  const qs = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
  return html`<div id="flash"></div>
${s.role === 'admin' ? submitForm(s) : html``}
${filterForm(q)}
<section id="request-list" hx-get="/ui/requests${qs === '' ? '' : `?${qs}`}" hx-trigger="every 3s" hx-swap="innerHTML">${await requestList(api, q, now)}</section>`;
}
