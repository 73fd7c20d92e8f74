// What `barge sync` prints: action lines, errors, and the end-of-run summary (text or JSON).
import type { Counters } from '../core/counters.js';
import type { ErrorRecord } from '../core/errors.js';
import { counted, formatBytes, formatCount, formatDuration } from '../core/units.js';
import type { ActionEvent } from '../core/task-types.js';
import { escapePath, showBytes } from './escape-path.js';

export function actionLine(e: ActionEvent): string {
  const detail = e.detail === undefined ? '' : e.verb === 'symlink' ? ` -> ${escapePath(e.detail)}` : e.verb === 'hardlink' ? ` => ${escapePath(e.detail)}` : ` (${showBytes(e.detail)})`;
  return `${e.verb.padEnd(8)} ${escapePath(e.rel)}${detail}`;
}

export function errorLine(e: ErrorRecord): string {
  return `barge: ${e.code}: ${e.path === undefined || e.path === '' ? '' : escapePath(e.path) + ': '}${showBytes(e.message)}`;
}

export interface Summary {
  status: 'ok' | 'failed' | 'interrupted';
  dryRun: boolean;
  source: string;
  destination: string;
  seconds: number;
  counters: Counters;
  bytesPerSecond: number;
  errors: ErrorRecord[];
  deleteSkipped: string | undefined;
  /** deletions --max-delete left undone */
  deletesSkipped: number;
}

export function summaryText(s: Summary): string {
  const c = s.counters;
  // a dry run says what it would do: "would copy", "would delete"
  const verb = (done: string, planned: string): string => (s.dryRun ? `would ${planned}` : done);
  const resumed = c.bytesResumed > 0 ? ` (${formatBytes(c.bytesResumed)} more resumed from an earlier run)` : '';
  const lines = [
    `${s.dryRun ? 'dry run' : s.status === 'interrupted' ? 'interrupted' : 'done'} in ${formatDuration(s.seconds)}: ` +
      `${counted(c.filesFound, 'file')} (${formatBytes(c.bytesFound)}) in ${counted(c.dirsFound, 'directory', 'directories')}`,
    `  ${verb('copied', 'copy')} ${counted(c.filesCopied, 'file')}, ${formatBytes(c.bytesCopied)}` +
      (s.dryRun ? '' : ` at ${formatBytes(s.bytesPerSecond)}/s`) + resumed,
    s.dryRun
      ? `  up to date ${formatCount(c.filesUpToDate)}, would fix the metadata of ${formatCount(c.metaUpdated)}, ` +
        `would make ${counted(c.dirsCreated, 'directory', 'directories')}, ${counted(c.symlinksMade, 'symlink')}, ${counted(c.hardlinksMade, 'hard link')}`
      : `  up to date ${formatCount(c.filesUpToDate)}, metadata fixed ${formatCount(c.metaUpdated)}, ` +
        `directories made ${c.dirsCreated}, symlinks ${c.symlinksMade}, hard links ${c.hardlinksMade}`,
    `  ${verb('deleted', 'delete')} ${formatCount(c.deleted)}${s.deleteSkipped ? ` (delete pass skipped: ${s.deleteSkipped})` : ''}` +
      (s.deletesSkipped > 0 ? ` (${formatCount(s.deletesSkipped)} more ${verb('skipped', 'be skipped')}: --max-delete)` : '') + ', ' +
      `special files skipped ${c.specialsSkipped}, failed ${formatCount(c.failed)}`,
  ];
  if (c.xattrsNotCarried > 0) {
    lines.push(`  ${counted(c.xattrsNotCarried, 'entry has', 'entries have')} extended attributes or ACLs that were not copied (use -X / -A)`);
  }
  return lines.join('\n');
}

export function summaryJson(s: Summary): string {
  return JSON.stringify({
    status: s.status, dryRun: s.dryRun, source: showBytes(s.source), destination: showBytes(s.destination),
    seconds: Number(s.seconds.toFixed(3)), bytesPerSecond: Math.round(s.bytesPerSecond),
    ...s.counters, deleteSkipped: s.deleteSkipped ?? null, deletesSkipped: s.deletesSkipped,
    errors: s.errors.map((e) => ({ code: e.code, path: e.path === undefined ? null : showBytes(e.path), message: showBytes(e.message) })),
  }, null, 2);
}
