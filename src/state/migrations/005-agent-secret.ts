// Migration 5: an agent's identity is bound to a secret the coordinator made at its
// enrolment. Only the secret's SHA-256 is kept (a copy of the database does not let anyone
// act as the agent); null for the built-in agents, which call in-process, not over HTTP.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('secret_hash', 'text').execute();
}
