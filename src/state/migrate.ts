// Applies the numbered migrations at start; kysely's migrator takes a lock, so several
// coordinators starting at once on one PostgreSQL apply each migration once.
import { Migrator, type Kysely, type Migration } from 'kysely';
import type { Flavor } from './flavor.js';
import { up as initial } from './migrations/001-initial.js';
import { up as queueIndexes } from './migrations/002-queue-indexes.js';
import { up as agentDataPlane } from './migrations/003-agent-data-plane.js';
import { up as completeFunction } from './migrations/004-complete-function.js';
import { up as agentSecret } from './migrations/005-agent-secret.js';
import { up as requestFiles } from './migrations/008-request-files.js';
import { up as agentTls } from './migrations/007-agent-tls.js';
import { up as requestAudit } from './migrations/006-request-audit.js';
import { up as inboxKeys } from './migrations/009-inbox-keys.js';
import { up as agentBuild } from './migrations/010-agent-build.js';

export async function migrate(db: Kysely<unknown>, flavor: Flavor): Promise<void> {
  const migrations: Record<string, Migration> = {
    '001-initial': { up: (d) => initial(d as Kysely<unknown>, flavor) },
    '002-queue-indexes': { up: (d) => queueIndexes(d as Kysely<unknown>) },
    '003-agent-data-plane': { up: (d) => agentDataPlane(d as Kysely<unknown>) },
    '004-complete-function': { up: (d) => completeFunction(d as Kysely<unknown>, flavor) },
    '005-agent-secret': { up: (d) => agentSecret(d as Kysely<unknown>) },
    '006-request-audit': { up: (d) => requestAudit(d as Kysely<unknown>, flavor) },
    '007-agent-tls': { up: (d) => agentTls(d as Kysely<unknown>) },
    '008-request-files': { up: (d) => requestFiles(d as Kysely<unknown>) },
    '009-inbox-keys': { up: (d) => inboxKeys(d as Kysely<unknown>, flavor) },
    '010-agent-build': { up: (d) => agentBuild(d as Kysely<unknown>) },
  };
  // unordered: migrations written side by side may land in either order (a database that has
  // 006 still gets 005 once it exists); each one stands alone
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) }, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // no migration ran: the database could not be reached (its error, with its code, says why)
    if (failed === undefined && error instanceof Error) throw error;
    throw new Error(`database migration ${failed ?? 'unknown'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
  }
}
