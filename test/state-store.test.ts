// Runs the StateStore conformance suite on every engine: memory, SQLite (a fresh file per
// test) and PostgreSQL (a fresh database per test).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestDatabase, pgSkipReason } from './helpers/postgres-db.js';
import { openMemoryStore } from '../src/state/memory/open-memory.js';
import { openPostgresStore } from '../src/state/postgres/open-postgres.js';
import { openSqliteStore } from '../src/state/sqlite/open-sqlite.js';
import { stateConformance, type StoreUnderTest } from '../src/state/state-conformance.js';
import { requestFilesConformance } from '../src/state/request-files-conformance.js';

const memory = async (): Promise<StoreUnderTest> => {
  const store = await openMemoryStore();
  return { store, cleanup: () => store.close() };
};
stateConformance('memory', memory);
requestFilesConformance('memory', memory);

const sqlite = async (): Promise<StoreUnderTest> => {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'barge-sqlite-'));
  const file = path.join(dir, 'state.sqlite');
  const store = await openSqliteStore(file);
  return {
    store,
    cleanup: async () => { await store.close(); await fs.promises.rm(dir, { recursive: true, force: true }); },
  };
};
stateConformance('sqlite', sqlite);
requestFilesConformance('sqlite', sqlite);

const probe = await createTestDatabase('probe');
await probe?.drop();
const postgres = async (): Promise<StoreUnderTest | undefined> => {
  const db = await createTestDatabase('state');
  if (!db) return undefined;
  const store = await openPostgresStore(db.url);
  return {
    store,
    second: () => openPostgresStore(db.url),
    cleanup: async () => { await store.close(); await db.drop(); },
  };
};
stateConformance('postgres', postgres, probe ? undefined : pgSkipReason());
requestFilesConformance('postgres', postgres, probe ? undefined : pgSkipReason());
