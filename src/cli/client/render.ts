// What the client commands print for people: the requests table, one request in detail,
// the endpoints table, an `ls -l` listing, and the progress and summary lines of `watch`.
import { formatBytes, formatCount, formatDuration } from '../../core/units.js';
import { escapePath } from '../escape-path.js';
import type { EndpointView, Listing, ListItem, Page, RequestError, RequestView } from './api-types.js';
import { alignRows, formatTable } from './text-table.js';

function ageOf(iso: string | null, now: Date): string {
  if (iso === null) return '-';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '-' : formatDuration(Math.max(0, (now.getTime() - t) / 1000));
}

function rateText(r: RequestView): string {
  return r.rate > 0 ? `${formatBytes(r.rate)}/s` : '-';
}

export function requestsTable(items: readonly RequestView[], now: Date): string {
  const rows = items.map((r) => [
    r.id, r.state, String(r.priority),
    `${formatCount(r.files.copied)}/${formatCount(r.files.toCopy)}`,
    `${formatBytes(r.bytes.copied)}/${formatBytes(r.bytes.toCopy)}`,
    rateText(r), ageOf(r.createdAt, now), `${escapePath(r.source)} → ${escapePath(r.destination)}`,
  ]);
  return formatTable(['ID', 'STATE', 'PRI', 'FILES', 'BYTES', 'RATE', 'AGE', 'SOURCE → DESTINATION'], rows, [2, 3, 4, 5, 6]);
}

export function errorLine(e: RequestError): string {
  return `${e.code} ${e.path === '' ? '' : `${escapePath(e.path)}: `}${e.message}`;
}

/** The first errors, and how many more the server holds. */
export function errorLines(errors: Page<RequestError>, indent = '  '): string[] {
  const lines = errors.items.map((e) => indent + errorLine(e));
  const more = errors.total - errors.items.length;
  if (more > 0) lines.push(`${indent}... and ${formatCount(more)} more`);
  return lines;
}

function optionsText(options: Record<string, unknown>): string {
  const parts = Object.entries(options)
    .filter(([, v]) => v !== undefined && v !== null && v !== false)
    .map(([k, v]) => (v === true ? k : `${k}=${JSON.stringify(v)}`));
  return parts.length > 0 ? parts.join(', ') : '-';
}

export function requestDetail(r: RequestView, errors: Page<RequestError> | undefined, now: Date): string {
  const f = r.files;
  const b = r.bytes;
  const when = (iso: string | null): string => (iso === null ? '-' : `${iso} (${ageOf(iso, now)} ago)`);
  const lines: [string, string][] = [
    ['id', r.id],
    ['state', r.state + (r.walkDone || r.state !== 'running' ? '' : ' (still scanning)')],
    ['priority', String(r.priority)],
    ['submitted by', r.submittedBy ?? '-'],
    ['source', escapePath(r.source)],
    ['destination', escapePath(r.destination)],
    ['options', optionsText(r.options)],
    ['created', when(r.createdAt)],
    ['started', when(r.startedAt)],
    ['finished', when(r.finishedAt)],
    ['files', `${formatCount(f.copied)} copied of ${formatCount(f.toCopy)} to copy (${formatCount(f.found)} found), ` +
      `${formatCount(f.upToDate)} up to date, ${formatCount(f.deleted)} deleted, ${formatCount(f.failed)} failed`],
    ['bytes', `${formatBytes(b.copied)} copied of ${formatBytes(b.toCopy)} to copy (${formatBytes(b.found)} found)`],
    ['rate', `${rateText(r)}${r.etaSeconds === null || r.finishedAt !== null ? '' : `, ETA ${formatDuration(r.etaSeconds)}`}`],
    ['errors', formatCount(r.errorCount)],
    ['message', r.message ?? '-'],
    ...(r.waiting ? [['waiting', waitingText(r.waiting)] as [string, string]] : []),
    ...(r.staging ? [['staging', stagingText(r.staging)] as [string, string]] : []),
  ];
  const width = Math.max(...lines.map(([k]) => k.length)) + 2;
  const out = lines.map(([k, v]) => `${(k + ':').padEnd(width)}${v}`);
  if (errors && errors.items.length > 0) out.push('first errors:', ...errorLines(errors));
  return out.join('\n');
}

export function endpointsTable(items: readonly EndpointView[]): string {
  const rows = items.map((e) => [e.name, e.kind, e.site, e.write ? 'yes' : 'no', escapePath(e.path)]);
  return formatTable(['NAME', 'KIND', 'SITE', 'WRITE', 'PATH'], rows);
}

const TYPE_CHARS: Record<string, string> = { file: '-', dir: 'd', symlink: 'l', fifo: 'p', socket: 's', device: 'c' };

/** 0o4755 -> "rwsr-xr-x", as ls prints permission bits with set-id and sticky. */
export function modeText(mode: number): string {
  const rwx = (bits: number, special: boolean, specialChar: string): string =>
    (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') +
    (special ? (bits & 1 ? specialChar : specialChar.toUpperCase()) : bits & 1 ? 'x' : '-');
  return rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') + rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') +
    rwx(mode & 7, (mode & 0o1000) !== 0, 't');
}

/** nanoseconds since the epoch, as text -> ISO time to the second; '-' when it cannot be read */
export function mtimeText(mtimeNs: string): string {
  if (!/^-?\d+$/.test(mtimeNs)) return '-';
  const ms = Number(BigInt(mtimeNs) / 1_000_000n);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '-' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function lsText(listing: Listing): string {
  const row = (i: ListItem): string[] =>
    [(TYPE_CHARS[i.type] ?? '?') + modeText(i.mode), String(i.size), mtimeText(i.mtimeNs), escapePath(i.name) + (i.type === 'dir' ? '/' : '')];
  return alignRows(listing.items.map(row), [1]);
}

/** The live line of `watch`: state, files, bytes, rate and ETA. */
export function progressText(r: RequestView): string {
  const phase = r.state === 'running' && !r.walkDone ? 'running (scanning)' : r.state;
  const eta = r.etaSeconds === null ? '--' : formatDuration(r.etaSeconds);
  return `${r.id} ${phase}: ${formatCount(r.files.copied)}/${formatCount(r.files.toCopy)} files, ` +
    `${formatBytes(r.bytes.copied)}/${formatBytes(r.bytes.toCopy)}, ${rateText(r)}, ETA ${eta}` +
    (r.errorCount > 0 ? `, ${formatCount(r.errorCount)} errors` : '') +
    (r.waiting ? ` [waiting: ${waitingText(r.waiting)}]` : '') +
    (r.staging ? ` [staging: ${stagingText(r.staging)}]` : '');
}

/** a request from an archive: its mounts, the buffer, its files by stage state */
export function stagingText(s: NonNullable<RequestView['staging']>): string {
  const f = s.files;
  return `${formatCount(s.mounts)} mounts, buffer ${formatBytes(s.bufferUsedBytes)} of ${formatBytes(s.bufferQuotaBytes)}; ` +
    `files ${formatCount(f.waiting + f.located)} waiting, ${formatCount(f.staging)} staging, ${formatCount(f.staged)} staged, ` +
    `${formatCount(f.released)} released, ${formatCount(f.failed)} failed` +
    (s.waiting ? `; waits for room since ${s.waiting.since}: ${s.waiting.code}: ${s.waiting.reason}` : '');
}

function waitingText(w: NonNullable<RequestView['waiting']>): string {
  return `${w.reason}, since ${w.since}; fails at ${w.until} unless an agent returns`;
}

/** The line `watch` ends with. */
export function summaryLine(r: RequestView): string {
  const started = r.startedAt === null ? NaN : Date.parse(r.startedAt);
  const finished = r.finishedAt === null ? NaN : Date.parse(r.finishedAt);
  const took = Number.isNaN(started) || Number.isNaN(finished) ? '' : ` in ${formatDuration((finished - started) / 1000)}`;
  return `${r.id} ${r.state}${took}: ${formatCount(r.files.copied)} files copied (${formatBytes(r.bytes.copied)}), ` +
    `${formatCount(r.files.upToDate)} up to date, ${formatCount(r.files.deleted)} deleted, ${formatCount(r.files.failed)} failed` +
    (r.rate > 0 ? `, ${formatBytes(r.rate)}/s` : '');
}
