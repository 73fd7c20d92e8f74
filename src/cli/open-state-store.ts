// Opens the state store of `barge serve`. A PostgreSQL server that is down or refuses
// connections for now is waited for (logged, tried again with backoff) rather than given
// up on, so that a coordinator started with its database, or before it, comes up once the
// database does; an error waiting will not heal (no such database, a refused password) ends
// the start with E_CONFIG, and SIGINT or SIGTERM ends the wait.
import * as path from 'node:path';
import { NETWORK_BACKOFF } from '../core/backoff.js';
import { BargeError, isBargeError } from '../core/errors.js';
import type { LogSink } from '../core/log-sink.js';
import { RetryStreak } from '../core/retry-streak.js';
import { untilUp } from '../core/until-up.js';
import type { ServiceConfig } from '../config/service-config.js';
import { databaseUnavailable } from '../state/database-unavailable.js';
import { openMemoryStore } from '../state/memory/open-memory.js';
import { openPostgresStore } from '../state/postgres/open-postgres.js';
import { openSqliteStore } from '../state/sqlite/open-sqlite.js';
import type { StateStore } from '../state/state-store.js';
import { makeDirs } from '../storage/posix/make-dirs.js';

/** the URL without its password, fit for a log line */
function shownUrl(url: string): string {
  const u = new URL(url);
  u.password = u.password ? '***' : '';
  return u.toString();
}

async function open(c: ServiceConfig, log: LogSink, signal: AbortSignal): Promise<{ store: StateStore; where: string }> {
  switch (c.db.kind) {
    case 'memory': return { store: await openMemoryStore(), where: 'memory (nothing is kept after exit)' };
    case 'sqlite':
      // the state folder holds the database and so the grant signing key: its owner's only
      makeDirs(path.dirname(c.db.path), 0o700);
      return { store: await openSqliteStore(c.db.path), where: `SQLite ${c.db.path}` };
    case 'postgres': {
      const url = c.db.url;
      const where = `PostgreSQL ${shownUrl(url)}`;
      const streak = new RetryStreak({ failing: `waiting for the database (${where})`, recovered: 'the database answers' }, log, NETWORK_BACKOFF);
      const store = await untilUp(() => openPostgresStore(url), {
        transient: (e) => databaseUnavailable(e) !== undefined, streak, signal, waitingFor: `the database (${where})`,
      });
      return { store, where };
    }
  }
}

export async function openStateStore(c: ServiceConfig, log: LogSink, signal: AbortSignal): Promise<{ store: StateStore; where: string }> {
  try {
    return await open(c, log, signal);
  } catch (e) {
    if (isBargeError(e) && e.code === 'E_INTERRUPTED') throw e;
    throw new BargeError('E_CONFIG', `cannot open the database: ${e instanceof Error ? e.message : String(e)}`);
  }
}
