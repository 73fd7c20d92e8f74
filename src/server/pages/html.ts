// HTML for the dashboard's pages, written as template literals: `html` escapes every value
// put in it unless it is already Html (from `html` or `raw`), so a path or a message from
// a request cannot inject markup. Also the page frame every page shares.
import { formatBytes, formatDuration } from '../../core/units.js';
import type { Session } from './sessions.js';

export class Html {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
}

type Value = Html | string | number | boolean | null | undefined | readonly Html[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function isHtmlList(v: Value): v is readonly Html[] {
  return Array.isArray(v);
}

function part(v: Value): string {
  if (v instanceof Html) return v.text;
  if (isHtmlList(v)) return v.map((h) => h.text).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => { out += part(v) + (strings[i + 1] ?? ''); });
  return new Html(out);
}

/** markup that is known to be safe (a constant) */
export function raw(text: string): Html {
  return new Html(text);
}

export const ASSET_PREFIX = '/ui/assets/';

/**
 * htmx (4) swaps error answers too, so a refused action's message shows where its form is; it
 * adds no indicator style sheet (nothing here shows a request in flight)
 */
const HTMX_CONFIG = JSON.stringify({ includeIndicatorCSS: false });

/** what the pages may load: only this origin, no inline script or style */
export const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

const NAV: readonly [string, string][] = [['/', 'Overview'], ['/requests', 'Requests'], ['/agents', 'Agents and sites']];

/** the frame of every page: header, navigation, who is logged in, the body */
export function page(title: string, s: Session | undefined, body: Html, o: { current?: string; auth?: boolean } = {}): string {
  const nav = NAV.map(([href, name]) => html`<a href="${href}"${raw(o.current === href ? ' aria-current="page"' : '')}>${name}</a>`);
  const who = s === undefined ? html`` : html`<span class="who">${s.name} (${s.role})</span>${o.auth === false ? html`` : html`
    <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${s.csrf}"><button type="submit" id="logout">Log out</button></form>`}`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · barge</title><link rel="icon" href="data:,">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<link rel="stylesheet" href="${ASSET_PREFIX}uPlot.min.css"><link rel="stylesheet" href="${ASSET_PREFIX}dashboard.css">
<script src="${ASSET_PREFIX}htmx.min.js" defer></script><script src="${ASSET_PREFIX}uPlot.iife.min.js" defer></script><script src="${ASSET_PREFIX}dashboard.js" defer></script>
</head><body data-role="${s?.role ?? ''}">
<header><strong class="brand">barge</strong><nav>${s === undefined ? [] : nav}</nav>${who}</header>
<main><h1>${title}</h1>
${body}
</main></body></html>`.text;
}

export function bytes(n: number): string {
  return formatBytes(n);
}

export function rate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function eta(seconds: number | null): string {
  return seconds === null ? '–' : formatDuration(seconds);
}

/** how long ago an ISO time was, as "3 min" */
export function age(iso: string, now: number): string {
  return formatDuration(Math.max(0, (now - Date.parse(iso)) / 1000));
}

export function percent(done: number, of: number): string {
  return of <= 0 ? '–' : `${Math.min(100, Math.floor((done / of) * 1000) / 10)}%`;
}
