// What `barge agents` and the audit part of `barge status ID` print for people.
import { formatDuration } from '../../core/units.js';
import type { AgentView, AuditEntryView, Page } from './api-types.js';
import { alignRows, formatTable } from './text-table.js';

function agoText(iso: string, now: Date): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '-' : `${formatDuration(Math.max(0, (now.getTime() - t) / 1000))} ago`;
}

/** NAME SITE STATE LAST-SEEN RUNNING/SLOTS ENDPOINTS DATA-ADDRESS VERSION; a lost agent says since when */
export function agentsTable(items: readonly AgentView[], now: Date): string {
  const rows = items.map((a) => [
    a.name, a.site, a.state === 'lost' && a.lostSince !== undefined ? `lost (${agoText(a.lostSince, now)})` : a.state,
    agoText(a.lastSeen, now), `${a.running}/${a.slots}`, a.endpoints.join(','), a.dataAddress ?? '-', a.version ?? '-',
  ]);
  return formatTable(['NAME', 'SITE', 'STATE', 'LAST-SEEN', 'RUNNING/SLOTS', 'ENDPOINTS', 'DATA-ADDRESS', 'VERSION'], rows, [4]);
}

/** one line per entry, oldest first: when, what, who (and what it carried); and how many more the server holds */
export function auditLines(audit: Page<AuditEntryView>, indent = '  '): string[] {
  const rows = audit.items.map((e) => [indent + e.at, e.action, `by ${e.actor}${e.detail === null ? '' : ` (${e.detail})`}`]);
  const lines = rows.length === 0 ? [] : alignRows(rows).split('\n');
  const more = audit.total - audit.items.length;
  if (more > 0) lines.push(`${indent}... and ${more} more (GET /api/requests/ID/audit)`);
  return lines;
}
