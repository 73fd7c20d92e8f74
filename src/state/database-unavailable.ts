// Errors that say the database is away (or full) rather than that a statement is wrong:
// the server answers them 503 E_UNAVAILABLE, so clients and load balancers try again or
// elsewhere, instead of 500 for a bug. The codes are the drivers' own.
import { BargeError } from '../core/errors.js';

/** PostgreSQL SQLSTATEs of a server going or gone: admin shutdown, crash, cannot connect now, too many connections, connection exceptions */
const PG_AWAY = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
/** socket errors of a connection that could not be made or was cut */
const NET_AWAY = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
/** SQLite: the file system is full, failed, or the file cannot be opened or written */
const SQLITE_AWAY = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|BUSY)/;

function codeOf(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** E_UNAVAILABLE for an error of a database that is away, else undefined */
export function databaseUnavailable(e: unknown): BargeError | undefined {
  const code = codeOf(e);
  const message = e instanceof Error ? e.message : String(e);
  // pg's own words for a connection it lost or could not get from its pool
  const pgLost = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|is not currently accepting connections|the database system is (starting up|shutting down|in recovery mode)/.test(message);
  if ((code && (PG_AWAY.has(code) || NET_AWAY.has(code) || SQLITE_AWAY.test(code))) || pgLost) {
    return new BargeError('E_UNAVAILABLE', `the database does not answer for now: ${message}`, { cause: e });
  }
  return undefined;
}

/** a short reason without addresses or paths, fit for a route that answers anyone (/healthz) */
export function publicAwayReason(e: unknown): string {
  const code = codeOf(e) ?? '';
  if (code.startsWith('SQLITE_FULL')) return 'the database file system is full';
  if (/^SQLITE_(IOERR|CANTOPEN|READONLY)/.test(code)) return 'the database file cannot be written';
  if (code.startsWith('SQLITE_BUSY')) return 'the database is locked by another process';
  return 'the database connection failed';
}
