// `barge plan`'s table: what the request would copy, the archive's tape work, the transfer
// and the ETA, each figure with what it is reckoned from.
import type { RequestPlan } from '../../core/request-types.js';
import { counted, formatBytes, formatCount, formatDuration } from '../../core/units.js';
import { alignRows } from './text-table.js';

export function planText(p: RequestPlan): string {
  const rows: string[][] = [
    ['files to copy', `${formatCount(p.files.toCopy)} of ${formatCount(p.files.found)} found (${formatCount(p.files.upToDate)} up to date${p.compareFirst > 0 ? `, ${formatCount(p.compareFirst)} to compare by content first` : ''})`],
    ['bytes to copy', `${formatBytes(p.bytes.toCopy)} of ${formatBytes(p.bytes.found)} (${formatCount(p.bytes.toCopy)} B)`],
  ];
  const t = p.tape;
  if (t !== null) {
    rows.push(
      ['volumes', `${formatCount(t.volumes)} to mount, ${counted(t.drives, 'drive')}${t.drivesUsed < t.drives ? ` (${formatCount(t.drivesUsed)} at once: the buffer holds no more sessions)` : ''}`],
      ['mounts', `${formatCount(t.mounts)} in ${counted(t.sessions, 'session')} (in the order asked: ${formatCount(t.requestOrder.mounts)})`],
      ['mount time', `${formatDuration(t.mountSeconds)} (robot, load, unload; all drives)`],
      ['locate time', `${formatDuration(t.locateSeconds)} (all drives)`],
      ['read time', `${formatDuration(t.readSeconds)} (all drives)`],
      ['staging', `${formatDuration(t.stageSeconds)} with the drives in parallel (in the order asked: ${formatDuration(t.requestOrder.stageSeconds)})`],
    );
    if (t.unlocated > 0) rows.push(['not located', `${counted(t.unlocated, 'file')} (see below)`]);
    if (t.tooLarge > 0) rows.push(['too large', `${counted(t.tooLarge, 'file')} larger than the whole buffer: never staged`]);
  }
  rows.push(
    ['transfer time', `${formatDuration(p.transfer.seconds)} at ${formatBytes(p.transfer.rate)}/s`],
    ['ETA', formatDuration(p.etaSeconds)],
  );
  if (p.files.failed > 0) rows.push(['failed', `${counted(p.files.failed, 'entry', 'entries')} could not be listed`]);
  const lines = [`plan: ${p.source} -> ${p.destination}`, alignRows(rows), `(${p.note})`];
  for (const e of p.errors) lines.push(`  ${e.path === '' ? '.' : e.path}: ${e.code}: ${e.message}`);
  return lines.join('\n');
}
