// Kysely's SQLite dialect, with one change: a transaction SQLite has already rolled back
// itself is not rolled back again. On some errors (SQLITE_FULL: the disk is full, and
// SQLITE_IOERR, SQLITE_NOMEM, SQLITE_BUSY in a write) SQLite ends the transaction on its
// own; kysely's ROLLBACK then fails with "cannot rollback - no transaction is active",
// and that error, not the one that says the disk is full, reached the caller.
import type Database from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

class KeepCauseDriver extends SqliteDriver {
  constructor(private readonly sqlite: Database.Database, config: SqliteDialectConfig) {
    super(config);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.sqlite.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

export class KeepCauseSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: Database.Database, private readonly dialectConfig: SqliteDialectConfig) {
    super(dialectConfig);
  }

  override createDriver(): Driver {
    return new KeepCauseDriver(this.sqlite, this.dialectConfig);
  }
}
