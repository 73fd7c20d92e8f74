// Migration 7: whether an agent's data plane speaks TLS (`barge agent --tls-cert`), so that
// the coordinator can tell the agents that push to it to connect with TLS.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('data_tls', 'integer').execute();
}
