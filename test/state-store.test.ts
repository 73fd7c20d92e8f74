// Runs the StateStore conformance suite on every engine: memory, SQLite (a fresh file per
// test) and PostgreSQL (a fresh database per test).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestDatabase, pgSkipReason } from './helpers/postgres-db.js';
import { openMemoryStore } from '../src/state/memory/open-memory.js';
import { openPostgresStore } from '../src/state/postgres/open-postgres.js';
import { openSqliteStore } from '../src/state/sqlite/open-sqlite.js';
import { stateConformance } from '../src/state/state-conformance.js';

stateConformance('memory', async () => {
  const store = await openMemoryStore();
  return { store, cleanup: () => store.close() };
});

stateConformance('sqlite', async () => {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'barge-sqlite-'));
  const file = path.join(dir, 'state.sqlite');
  const store = await openSqliteStore(file);
  return {
    store,
    cleanup: async () => { await store.close(); await fs.promises.rm(dir, { recursive: true, force: true }); },
  };
});

const probe = await createTestDatabase('probe');
await probe?.drop();
stateConformance('postgres', async () => {
  const db = await createTestDatabase('state');
  if (!db) return undefined;
  const store = await openPostgresStore(db.url);
  return {
    store,
    second: () => openPostgresStore(db.url),
    cleanup: async () => { await store.close(); await db.drop(); },
  };
}, probe ? undefined : pgSkipReason());
