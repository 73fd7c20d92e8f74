// How `barge serve` and `barge agent` fail to start: one line on stderr that says what
// could not be done and what to try, and exit code 2 (the operator's to fix: a busy port,
// a configuration, a file that cannot be read), never an internal error with a stack.
import { ERROR_CODES, isBargeError } from '../core/errors.js';

const START_UP_EXIT = ERROR_CODES.E_CONFIG.exitCode;

/** what a failed listen(2) means, and the usual fix */
const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is in use (EADDRINUSE)',
  EACCES: 'permission denied (EACCES): ports below 1024 need privileges',
  EADDRNOTAVAIL: 'this host has no such address (EADDRNOTAVAIL)',
  ENOTFOUND: 'the host name does not resolve (ENOTFOUND)',
};

function errnoCode(e: unknown): string | undefined {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' ? (e as NodeJS.ErrnoException).code : undefined;
}

/**
 * the one-line reason a server could not listen on host:port; `hint` is said after a busy
 * address (e.g. "another barge serve? pick another --listen")
 */
export function listenFailure(host: string, port: number, e: unknown, hint: string): string {
  const code = errnoCode(e);
  const reason = code !== undefined ? LISTEN_REASONS[code] : undefined;
  const why = reason ?? firstLine(e);
  return `cannot listen on ${host}:${port}: ${why}${code === 'EADDRINUSE' ? `: ${hint}` : ''}`;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}

/** ends the process: `barge <command>: <message>`, or that as a JSON log line (as pino's, level 50), and exit code 2 */
export function startUpFailed(command: 'serve' | 'agent', e: unknown, format: 'human' | 'json' = 'human'): never {
  const msg = firstLine(e);
  const code = isBargeError(e) ? e.code : 'E_CONFIG';
  process.stderr.write(format === 'json'
    ? `${JSON.stringify({ level: 50, time: new Date().toISOString(), app: 'barge', cmd: command, code, msg })}\n`
    : `barge ${command}: ${msg}\n`);
  process.exit(START_UP_EXIT);
}

/** runs a command's start-up; any failure in it ends the process as startUpFailed says */
export async function startingUp<T>(command: 'serve' | 'agent', format: 'human' | 'json', f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    // a signal while waiting for the database or the coordinator is an interrupt (exit 130), not a failure
    if (isBargeError(e) && e.code === 'E_INTERRUPTED') throw e;
    return startUpFailed(command, e, format);
  }
}
