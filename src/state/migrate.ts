// Applies the numbered migrations at start; kysely's migrator takes a lock, so several
// coordinators starting at once on one PostgreSQL apply each migration once.
import { Migrator, type Kysely, type Migration } from 'kysely';
import type { Flavor } from './flavor.js';
import { up as initial } from './migrations/001-initial.js';
import { up as queueIndexes } from './migrations/002-queue-indexes.js';
import { up as agentDataPlane } from './migrations/003-agent-data-plane.js';
import { up as completeFunction } from './migrations/004-complete-function.js';
import { up as agentTls } from './migrations/007-agent-tls.js';

export async function migrate(db: Kysely<unknown>, flavor: Flavor): Promise<void> {
  const migrations: Record<string, Migration> = {
    '001-initial': { up: (d) => initial(d as Kysely<unknown>, flavor) },
    '002-queue-indexes': { up: (d) => queueIndexes(d as Kysely<unknown>) },
    '003-agent-data-plane': { up: (d) => agentDataPlane(d as Kysely<unknown>) },
    '004-complete-function': { up: (d) => completeFunction(d as Kysely<unknown>, flavor) },
    '007-agent-tls': { up: (d) => agentTls(d as Kysely<unknown>) },
  };
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
  }
}
