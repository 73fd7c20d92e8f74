// Runs the built barge CLI as a separate process, the way users run it, and collects what it
// printed; tests of exit codes and interrupts need a real process, not an imported function.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** dist/src/cli/main.js, found from this file's own place in dist/test/helpers/. */
export const BARGE_MAIN: string = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface RunOptions {
  cwd?: string;
  /** Added to the inherited environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Kill with SIGKILL after this long. Default 60 s. */
  timeoutMs?: number;
  /** Written to stdin, which is then closed (stdin is closed at once when absent). */
  input?: string | Buffer;
  /** Run as this user (needs root): for what a file's mode stops, which root ignores. */
  user?: { uid: number; gid: number };
}

export interface RunResult {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the timeout killed it. */
  timedOut: boolean;
}

export type BargeProcess = ChildProcess & {
  /** Settles when the process has exited and its output is read; never rejects. */
  done: Promise<RunResult>;
  /** Output so far, e.g. to wait for a progress line before sending SIGINT. */
  output(): { stdout: string; stderr: string };
};

function childEnv(extra: RunOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // the CA bundle of the test machine is not the user's; NODE_TEST_CONTEXT would make any
  // node:test use inside the child report to this runner
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_TEST_CONTEXT;
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  // barge honours its BARGE_TEST_* hooks only when armed (src/config/test-hooks.ts)
  if (Object.keys(env).some((k) => k.startsWith('BARGE_TEST_') && k !== 'BARGE_TEST_PG')) env.BARGE_TEST_HOOKS = '1';
  return env;
}

/** Starts `node script ...args` with output collected from the first byte, so pipes never fill. */
export function startNodeScript(script: string, args: readonly string[], opts: RunOptions = {}): BargeProcess {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: opts.cwd, env: childEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {}),
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  // a child that exits without reading its stdin makes the write fail with EPIPE: not a test failure
  child.stdin.on('error', () => {});
  child.stdin.end(opts.input);
  const output = (): { stdout: string; stderr: string } =>
    ({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 60_000);
  const done = new Promise<RunResult>((resolve) => {
    // 'close' waits for the pipes to drain, unlike 'exit'
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, ...output() });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut, stdout: output().stdout, stderr: `${output().stderr}spawn failed: ${e.message}` });
    });
  });
  return Object.assign(child, { done, output });
}

/** Starts barge for tests that act while it runs (SIGINT mid-copy); await `.done` for the result. */
export function startBarge(args: readonly string[], opts: RunOptions = {}): BargeProcess {
  return startNodeScript(BARGE_MAIN, args, opts);
}

/** Runs barge to completion: `runBarge(['sync', src, dst])`. */
export function runBarge(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return startBarge(args, opts).done;
}

/** Polls until `check` returns true; for "wait until the copy has started" before an interrupt. */
export async function waitUntil(check: () => boolean, timeoutMs = 30_000, intervalMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`waitUntil: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** waitUntil for a check that has to ask something (an HTTP route, say) */
export async function waitUntilAsync(check: () => Promise<boolean>, timeoutMs = 30_000, intervalMs = 200): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`waitUntilAsync: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
