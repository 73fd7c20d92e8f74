// What an archive kind asks of its driver (sim or command): locate files on tape, and copy a
// session's files into the buffer. Buffer quota, drive count, batching, checking what landed
// and the final names are the stager's (archive-stager.ts), the same for every driver.
import type { ErrorRecord } from '../../core/errors.js';
import type { LocateFailure, StageLocation } from '../stager.js';

/** one file of a session: where it is in the archive and the temporary file to bring it to */
export interface StageJob {
  /** relative to the archive endpoint's top, '/'-separated */
  path: string;
  /** absolute path of the file to make in the buffer (its directory exists) */
  target: string;
  size: number;
  volume: string;
  position: number;
}

export interface StagedFile {
  path: string;
  /** why it did not land; absent when the driver believes it did (the stager checks the file) */
  error?: ErrorRecord;
  /** the hash the tool printed for it, checked against what landed */
  checksum?: { algorithm: string; hex: string };
}

/** counters a driver keeps, for metrics and benchmarks (the sim: its simulated clock) */
export type DriverStats = Record<string, number>;

export interface ArchiveDriver {
  /** one answer per path (relative to the top), in the order asked */
  locate(paths: readonly string[]): Promise<Array<StageLocation | LocateFailure>>;
  /** one session on one drive: the files in the order given; one result per job, in order */
  stage(jobs: readonly StageJob[], signal?: AbortSignal): Promise<StagedFile[]>;
  stats(): DriverStats;
}
