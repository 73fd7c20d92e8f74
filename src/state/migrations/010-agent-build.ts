// Migration 10: the build an agent enrolled with: its barge version (for operators) and the
// agent protocol it speaks (core/agent-wire.ts AGENT_PROTOCOL). A coordinator checks the
// protocol at enrolment; with it kept, a coordinator upgraded under running agents refuses
// the calls of one that speaks an older protocol instead of leasing it tasks it may not
// understand. Rows from before this migration have neither and are taken as current.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('version', 'text').execute();
  await db.schema.alterTable('agents').addColumn('protocol', 'integer').execute();
}
