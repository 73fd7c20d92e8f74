// The rules around the delete pass that the one-shot run and the service share: when it
// must not run, the --max-delete check, and the directories in the way of source entries
// that stay when it is skipped. The wording names the option as each front end spells it.
import { BargeError } from './errors.js';
import { counted } from './units.js';
import type { DeleteItem, DeleteTask } from './task-types.js';

/** how each front end spells the limit: `barge sync --max-delete`, a request's `maxDelete` */
export type MaxDeleteName = '--max-delete' | 'maxDelete';

/** deletes go in batches of this many entries, in both orchestrators */
export const DELETE_BATCH = 256;

/** why a stopped one-shot run deletes nothing */
export const RUN_UNFINISHED = 'the run did not finish';

/**
 * Why the delete pass must not run, or undefined when it may: a run with errors may have
 * missed source entries, and deleting their destination copies would lose data.
 */
export function deleteBlockedBy(failed: number, scope: 'run' | 'request'): string | undefined {
  return failed > 0 ? `${counted(failed, 'error')} in this ${scope}` : undefined;
}

/** the count comes first when a limit must be checked, or a dry run must report it */
export function needsDeleteCount(maxDelete: number | undefined, dryRun: boolean): boolean {
  return maxDelete !== undefined || dryRun;
}

export interface MaxDeleteExceeded {
  /** recorded once, as a failure of the whole run */
  error: BargeError;
  /** why the delete pass was skipped */
  reason: string;
}

/** the guard against a mistaken source root emptying the destination: nothing is deleted above the limit */
export function checkMaxDelete(total: number, maxDelete: number | undefined, name: MaxDeleteName): MaxDeleteExceeded | undefined {
  if (maxDelete === undefined || total <= maxDelete) return undefined;
  return {
    error: new BargeError('E_MAX_DELETE', `${total} entries would be deleted, more than ${name} ${maxDelete}: nothing deleted`),
    reason: `more than ${name} ${maxDelete}`,
  };
}

/**
 * barge sync's --max-delete, as rsync's: the delete pass stopped at the limit, and the
 * run fails (exit 1) saying how many deletions it left undone.
 */
export function maxDeleteReached(skipped: number, maxDelete: number, name: MaxDeleteName, dryRun: boolean): BargeError {
  return new BargeError('E_MAX_DELETE', `${name} ${maxDelete} ${dryRun ? 'would stop' : 'stopped'} the delete pass: ${counted(skipped, 'deletion')} ${dryRun ? 'would be skipped' : 'skipped'}`);
}

/** a scan's directories in the way of source entries, as entries for the delete pass to clear */
export function replaceItems(rels: readonly string[]): DeleteItem[] {
  return rels.map((rel) => ({ rel, type: 'dir' as const, insideListedDir: false }));
}

/** a directory in the way stayed (the delete pass was skipped), so the source entry cannot land */
export function notReplacedError(why: string): BargeError {
  return new BargeError('E_EXISTS', `a non-empty directory is in the way and was not replaced: ${why}`);
}

/** the delete tasks for these entries, in batches */
export function deleteTasks(items: readonly DeleteItem[], countOnly: boolean): DeleteTask[] {
  const out: DeleteTask[] = [];
  for (let k = 0; k < items.length; k += DELETE_BATCH) out.push({ kind: 'delete', items: items.slice(k, k + DELETE_BATCH), countOnly });
  return out;
}
