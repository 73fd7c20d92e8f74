// The one place that reads barge's test hooks (BARGE_TEST_* environment variables) into
// a typed object. Hooks take effect only when BARGE_TEST_HOOKS=1 arms them, as barge's
// own test set-up does: one left in a user's environment by mistake must not corrupt data
// or slow a service down. What each hook does is wired by whoever builds the part it
// changes (cli, the agent's run contexts), never read in the copy loop.
import { isMainThread } from 'node:worker_threads';

export interface TestHooks {
  /** BARGE_TEST_TASK_LOG: append "taskId agentId" to this file for each task leased */
  taskLog: string | undefined;
  /** BARGE_TEST_TASK_DELAY_MS: hold each task this long before it runs (to stop a service mid-request) */
  taskDelayMs: number;
  /** BARGE_TEST_CHUNK_CUTOFF: service requests chunk files from this size, in quarters (no 256 MiB files in tests) */
  chunkCutoff: number | undefined;
  /** BARGE_TEST_CORRUPT_ONCE / _ALWAYS: paths whose bytes written to DST get one byte flipped, once or every time */
  corruptOnce: string[];
  corruptAlways: string[];
  /** BARGE_TEST_WIRE_CORRUPT_ONCE: paths whose first bytes sent to an agent get one byte flipped */
  wireCorruptOnce: string[];
  /** BARGE_TEST_INBOX_KILL_BEFORE_MOVE=1: the inbox's first move to accepted/ kills the process (SIGKILL) instead */
  inboxKillBeforeMove: boolean;
}

const NAMES = ['BARGE_TEST_TASK_LOG', 'BARGE_TEST_TASK_DELAY_MS', 'BARGE_TEST_CHUNK_CUTOFF', 'BARGE_TEST_CORRUPT_ONCE',
  'BARGE_TEST_CORRUPT_ALWAYS', 'BARGE_TEST_WIRE_CORRUPT_ONCE', 'BARGE_TEST_INBOX_KILL_BEFORE_MOVE'] as const;

function lines(v: string | undefined): string[] {
  return (v ?? '').split('\n').filter((s) => s !== '');
}

function positive(v: string | undefined): number | undefined {
  const n = Number(v ?? 0);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** the armed hooks of `env`, or undefined when there are none (the case outside barge's tests) */
export function readTestHooks(env: NodeJS.ProcessEnv): TestHooks | undefined {
  const set = NAMES.filter((n) => (env[n] ?? '') !== '');
  if (set.length === 0) return undefined;
  if (env.BARGE_TEST_HOOKS !== '1') {
    if (isMainThread) process.stderr.write(`barge: ignoring ${set.join(', ')}: test hooks, for barge's own tests only\n`);
    return undefined;
  }
  return {
    taskLog: env.BARGE_TEST_TASK_LOG || undefined,
    taskDelayMs: positive(env.BARGE_TEST_TASK_DELAY_MS) ?? 0,
    chunkCutoff: positive(env.BARGE_TEST_CHUNK_CUTOFF),
    corruptOnce: lines(env.BARGE_TEST_CORRUPT_ONCE),
    corruptAlways: lines(env.BARGE_TEST_CORRUPT_ALWAYS),
    wireCorruptOnce: lines(env.BARGE_TEST_WIRE_CORRUPT_ONCE),
    inboxKillBeforeMove: env.BARGE_TEST_INBOX_KILL_BEFORE_MOVE === '1',
  };
}

let cached: { hooks: TestHooks | undefined } | undefined;

/** this process's hooks, read once */
export function testHooks(): TestHooks | undefined {
  cached ??= { hooks: readTestHooks(process.env) };
  return cached.hooks;
}
