// PostgreSQL through pg: the engine several coordinators share. int8 columns come back
// as numbers (every value barge stores fits in 2^53).
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrate } from '../migrate.js';
import { completeInOneTrip, preparedQueryOn } from './complete-in-one-trip.js';
import { preparedPick } from './prepared-pick.js';
import type { Database as Schema } from '../schema.js';
import { SqlStateStore } from '../sql-state-store.js';

const INT8 = 20;

export async function openPostgresStore(url: string, o: { poolSize?: number } = {}): Promise<SqlStateStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: o.poolSize ?? 8,
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => (oid === INT8 ? (v: string): number => Number(v) : pg.types.getTypeParser(oid, format ?? 'text') as unknown)) as typeof pg.types.getTypeParser },
  });
  // an idle connection the server drops (restart, failover, idle_session_timeout) is an
  // 'error' on the pool: without a listener it would end the process; the pool makes a new one
  pool.on('error', (e) => { process.emitWarning(`PostgreSQL dropped an idle connection: ${e.message}`); });
  // a connection in use that the server ends (57P01 on a restart or failover, a reset) is an
  // 'error' on its client, which the pool does not listen to while the client is checked out
  // (kysely holds one through a transaction): the query in flight fails with the error and
  // the pool drops the client; the listener only keeps the process alive
  pool.on('connect', (client) => { client.on('error', () => undefined); });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db as unknown as Kysely<unknown>, 'postgres');
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const query = preparedQueryOn(pool);
  return new SqlStateStore(db, 'postgres', () => db.destroy(), {
    complete: (items, now) => completeInOneTrip(query, items, now, true),
    pick: (agentId, p) => preparedPick(query, agentId, p),
  });
}
