// What the coordinator's stager shows of its work: per request (the request view) and per
// archive endpoint (the metrics). Plain shapes the coordinator, the server and the client share.

/** where a file of a request from an archive is on its way through the buffer */
export type StageState = 'waiting' | 'located' | 'staging' | 'staged' | 'released' | 'failed';
export const STAGE_STATES: readonly StageState[] = ['waiting', 'located', 'staging', 'staged', 'released', 'failed'];

/** a request's staging, as its view shows it (this coordinator process's figures since it started) */
export interface RequestStaging {
  /** sessions started for it: each is one mount of a volume, or none when the drive had it mounted */
  mounts: number;
  /** volumes its files are on, as located so far */
  volumes: number;
  /** the archive's buffer, shared by the requests of that endpoint */
  bufferUsedBytes: number;
  bufferQuotaBytes: number;
  /** its files by state: waiting (not yet located), located, staging, staged (in the buffer, copy under way), released, failed */
  files: Record<StageState, number>;
  /**
   * present while its staging waits for room: its last session came back with files the
   * buffer had no room for (E_BUFFER_FULL: the quota, or the buffer's file system full), and
   * no file has landed since; `reason` names the buffer
   */
  waiting?: { code: string; reason: string; since: string };
}

/** one archive endpoint, as /metrics shows it; the totals only grow */
export interface EndpointStaging {
  endpoint: string;
  mounts: number;
  seekSeconds: number;
  /** files read from tape (not those found whole in the buffer already), when the driver counts them */
  readFiles: number;
  stagedBytes: number;
  bufferUsedBytes: number;
  bufferPeakBytes: number;
  bufferQuotaBytes: number;
  files: Record<StageState, number>;
}
