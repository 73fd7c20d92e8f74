// The one table of error codes: for each, its meaning, whether a retry may help, the HTTP
// status the API answers with and what `barge` exits with. docs/errors.md shows the same
// table, and test/errors-doc.test.ts holds the two equal.

export interface ErrorCodeFacts {
  /** the meaning column of docs/errors.md, word for word (markdown included) */
  readonly meaning: string;
  readonly retryable: boolean;
  /** 500 for a code the API does not expose: it answers E_INTERNAL then, the code leading the message */
  readonly httpStatus: number;
  /** when this error ends a command; a sync whose files failed exits 1 whatever their codes */
  readonly exitCode: number;
}

const FAILED = 1;
/** the user's to fix: the command line, the input named on it or the configuration it points at */
const USAGE = 2;
/** 128 + SIGINT, as shells report a command killed by ^C */
const INTERRUPTED = 130;
const NOT_EXPOSED = 500;

export const ERROR_CODES = {
  E_USAGE: { retryable: false, httpStatus: 400, exitCode: USAGE, meaning: 'bad command-line usage or option value' },
  E_BAD_INPUT: { retryable: false, httpStatus: 400, exitCode: USAGE, meaning: 'a source or destination that cannot be used as given' },
  E_NOT_FOUND: { retryable: false, httpStatus: 404, exitCode: FAILED, meaning: 'a file or directory does not exist, or vanished during the run' },
  E_PERMISSION: { retryable: false, httpStatus: NOT_EXPOSED, exitCode: FAILED, meaning: 'the operating system refused access' },
  E_NO_SPACE: {
    retryable: false, httpStatus: NOT_EXPOSED, exitCode: FAILED,
    meaning: 'the destination file system is full or over quota; no new file is started',
  },
  E_READ_ONLY: { retryable: false, httpStatus: 400, exitCode: FAILED, meaning: 'the destination is read-only' },
  E_EXISTS: {
    retryable: false, httpStatus: 409, exitCode: FAILED,
    meaning: 'something is in the way at the destination and may not be replaced (a non-empty directory without `--delete`)',
  },
  E_CHECKSUM: {
    retryable: true, httpStatus: NOT_EXPOSED, exitCode: FAILED,
    meaning: 'the bytes written do not hash to the bytes read, or `--verify` read back other bytes',
  },
  // not retried: the listing it is checked against is stale; the next run copies the file
  E_CHANGED: {
    retryable: false, httpStatus: NOT_EXPOSED, exitCode: FAILED,
    meaning: 'the source file changed (size or mtime) while it was being copied, or another run took over the partial file it was writing; the next run copies it',
  },
  E_UNSUPPORTED: {
    retryable: false, httpStatus: NOT_EXPOSED, exitCode: FAILED,
    meaning: 'the file type or operation is not supported, or a file is larger than the destination file system allows',
  },
  E_NAME: { retryable: false, httpStatus: NOT_EXPOSED, exitCode: FAILED, meaning: 'a file name is too long or not valid on the destination' },
  E_PATH_ESCAPE: {
    retryable: false, httpStatus: 400, exitCode: FAILED,
    meaning: 'a path resolves outside its root (`..`, absolute, a symlink loop)',
  },
  E_IO: { retryable: true, httpStatus: NOT_EXPOSED, exitCode: FAILED, meaning: 'an input/output error from the storage' },
  E_MAX_DELETE: {
    retryable: false, httpStatus: NOT_EXPOSED, exitCode: FAILED,
    meaning: "more deletions were needed than `--max-delete` allows: `barge sync` deleted up to the limit and skipped the rest (the message says how many); a service request's `maxDelete` above its limit deletes nothing",
  },
  E_INTERRUPTED: { retryable: false, httpStatus: NOT_EXPOSED, exitCode: INTERRUPTED, meaning: 'the run was interrupted' },
  E_CONFIG: {
    retryable: false, httpStatus: NOT_EXPOSED, exitCode: USAGE,
    meaning: '`barge serve` refused its configuration; the message names the file, the key and the reason',
  },
  E_AUTH: {
    retryable: false, httpStatus: 401, exitCode: FAILED,
    meaning: 'API: no bearer token, or one that matches no `[[tokens]]` entry. ' +
      'Agent routes (403): no secret, or not the one the enrolment of the agent named gave (another process holds the name: enrol again). ' +
      'Data plane: the agent refused the token or grant (wrong, expired, or for another endpoint or path)',
  },
  E_FORBIDDEN: { retryable: false, httpStatus: 403, exitCode: FAILED, meaning: "API: the token's role does not allow the route" },
  E_STATE: {
    retryable: false, httpStatus: 409, exitCode: FAILED,
    meaning: "API: the state of the request or of the service does not allow the action, e.g. pausing a finished request, or listing an endpoint that no live agent serves",
  },
  E_PROTOCOL: {
    retryable: false, httpStatus: NOT_EXPOSED, exitCode: FAILED,
    meaning: 'data plane: a peer sent a malformed, oversize or unexpected frame; the connection is closed',
  },
  E_NETWORK: {
    retryable: true, httpStatus: NOT_EXPOSED, exitCode: FAILED,
    meaning: 'data plane: a connection could not be made, timed out or was lost; the file (or chunk) is sent again on a new connection',
  },
  E_UNAVAILABLE: {
    retryable: true, httpStatus: 503, exitCode: FAILED,
    meaning: "API: the coordinator's database does not answer (or is full) for now; try again, or ask another coordinator",
  },
  E_NOT_STAGED: {
    retryable: false, httpStatus: NOT_EXPOSED, exitCode: FAILED,
    meaning: "an archive endpoint's file was read before it was staged into the archive's buffer; it must be staged first",
  },
  // retried by default (a tape or drive error may pass); a lost file or output barge cannot read is not
  E_ARCHIVE: {
    retryable: true, httpStatus: NOT_EXPOSED, exitCode: FAILED,
    meaning: "an archive's driver could not locate or stage a file (a tape, drive or command error, a lost file, or output it could not read; the message names the line)",
  },
  E_BUFFER_FULL: {
    retryable: true, httpStatus: NOT_EXPOSED, exitCode: FAILED,
    meaning: "staging a file would take the archive's buffer past its quota, or its file system has no room for it; it is staged once there is room (not when it is larger than the quota or the disk)",
  },
  E_INTERNAL: { retryable: false, httpStatus: 500, exitCode: FAILED, meaning: 'a bug in barge; please report it with the command line' },
} as const satisfies Record<string, ErrorCodeFacts>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** true when the API answers this code with a status of its own, not as a 500 E_INTERNAL */
export function isExposed(code: ErrorCode): boolean {
  return ERROR_CODES[code].httpStatus !== NOT_EXPOSED;
}

// the auth check answers these before any route runs, so their statuses mean the same on
// every route; a bare 400, 404 or 409 means different things route by route
const NAMED_BY_STATUS: readonly ErrorCode[] = ['E_AUTH', 'E_FORBIDDEN'];

/** The code a client may read from a bare HTTP status (a body naming none): 401 and 403 only. */
export function codeOfStatus(status: number): ErrorCode | undefined {
  return NAMED_BY_STATUS.find((c) => ERROR_CODES[c].httpStatus === status);
}
