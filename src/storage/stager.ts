// The Stager: how an archive storage (tape, HSM) brings files online before they are read.
// An archive kind (storage/archive/) implements it and sets `features.staging`.
import type { ErrorRecord } from '../core/errors.js';
import type { TapeCosts } from '../core/transfer-plan.js';

/** where a file lives in the archive: the volume (tape) and its place on it */
export interface StageLocation {
  path: string;
  /** the volume (tape id) that holds the file */
  volume: string;
  /** its place on the volume, in the archive's own units: files are staged in this order */
  position: number;
  /** bytes it takes in the staging buffer once online */
  size: number;
}

/** a path the archive could not place (not archived, no such file, the archive failed) */
export interface LocateFailure {
  path: string;
  error: ErrorRecord;
}

/** what staging one file came to: online (no error) or why not */
export interface StageResult {
  path: string;
  error?: ErrorRecord;
  /** no drive was asked for it: the buffer (its quota or its disk) had no room; a session of only such files mounted nothing */
  refused?: true;
}

/** what the archive allows at once, from its endpoint's config: the caller plans its sessions by these */
export interface StagerLimits {
  /** sessions (drives) staging at once; more wait their turn */
  drives: number;
  /** files one session is given at most */
  batchSize: number;
  /** bytes the buffer may hold, staged and being staged */
  quotaBytes: number;
}

/**
 * Archive storages stage files in the order the tapes hold them, one volume at a time, into
 * a buffer with a byte quota; the engine reads a file only once it is staged and releases it
 * once committed at the destination, so the buffer can take the next group. Paths are as
 * for Storage: relative to the root, '/'-separated.
 *
 * - `locate`: one answer per path, in the order asked, so the caller can group by volume
 *   and sort by position; a path it cannot place is a failure record, not a thrown error.
 * - `stage`: bring a batch online (usually one volume's files in position order); resolves
 *   when every file of the batch is online or has failed; `signal` stops waiting and gives
 *   back what is not yet staged (E_INTERRUPTED). A file already in the buffer whole is
 *   online at once (a restart does not stage it again); one that does not fit beside what
 *   is staged and on its way fails E_BUFFER_FULL (retryable; not when larger than the
 *   whole quota). The archive kind (storage/archive/) admits in the order given and sends
 *   what it admitted to its driver in tape order, one volume and at most batchSize files
 *   a session, `drives` sessions at once.
 * - `release`: the caller is done with these files: their buffer space may be reused.
 *   Releasing a file that is not staged is not an error.
 */
export interface Stager {
  readonly limits: StagerLimits;
  /**
   * counters for metrics: the buffer's bytes (usedBytes, reservedBytes, peakBytes,
   * quotaBytes) and the driver's own (the sim: mounts, seekSeconds, readSeconds,
   * elapsedSeconds, ...), as they are in this process
   */
  stats(): Record<string, number>;
  /** what a mount, a locate and a read cost on its drives, as configured; a plan estimates by it (absent: no estimate of tape time) */
  costModel?(): TapeCosts | undefined;
  locate(paths: readonly string[]): Promise<Array<StageLocation | LocateFailure>>;
  stage(batch: readonly string[], signal?: AbortSignal): Promise<StageResult[]>;
  release(paths: readonly string[]): Promise<void>;
}
