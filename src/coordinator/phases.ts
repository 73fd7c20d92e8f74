// The phases of a request, in order. A task runs only when its request is at the task's
// phase; the finisher moves a request on when a phase has no open task left.
import { CLEANUP_PHASE } from '../core/request-states.js';

export const PHASE_TRANSFER = 0;
/** with maxDelete: count what the delete pass would remove, before removing anything */
export const PHASE_DELETE_COUNT = 1;
export const PHASE_DELETE = 2;
/** directories that a non-empty directory stood in the way of, scanned again after the delete pass */
export const PHASE_RESCAN = 3;
/** directory metadata, one depth at a time, deepest first */
export const PHASE_DIRMETA = 4;
/** only a canceled request reaches it: removing the partial files of its large files (core/request-states.ts) */
export const PHASE_CLEANUP = CLEANUP_PHASE;

/** a fixed size, unlike `barge sync`'s, which spreads each depth over its threads: any agent may take any batch */
export const DIRMETA_BATCH = 256;
// delete batches: DELETE_BATCH in core/delete-gate.ts, shared with `barge sync`
