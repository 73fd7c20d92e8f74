// The in-memory engine: SQLite with no file behind it. It runs the same queries as the
// other two engines, so it behaves exactly like them and forgets everything at exit.
import type { SqlStateStore } from '../sql-state-store.js';
import { openSqliteStore } from '../sqlite/open-sqlite.js';

export function openMemoryStore(): Promise<SqlStateStore> {
  return openSqliteStore(':memory:');
}
