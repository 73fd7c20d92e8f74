// Starts `barge agent` (lone mode) as a real process on a free loopback port and says
// where it listens; tests push to it with `barge sync SRC barge://…`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBarge, waitUntil, type BargeProcess } from './run-cli.js';

export const AGENT_TOKEN = 'agent-token-0123456789abcdef';

export interface LoneAgent {
  proc: BargeProcess;
  port: number;
  url(endpoint: string, path?: string): string;
  stop(): Promise<void>;
}

/** endpoints: NAME=/path or NAME=/path:rw; port 0 picks a free one */
export async function startLoneAgent(work: string, endpoints: string[], port = 0, extraArgs: string[] = []): Promise<LoneAgent> {
  const tokenFile = join(work, 'agent.token');
  writeFileSync(tokenFile, AGENT_TOKEN + '\n', { mode: 0o600 });
  const args = ['agent', '--name', 'test-agent', '--token-file', tokenFile, '--data-listen', `127.0.0.1:${port}`];
  for (const e of endpoints) args.push('--endpoint', e);
  args.push(...extraArgs);
  const proc = startBarge(args, { timeoutMs: 600_000 });
  let bound = 0;
  await waitUntil(() => {
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(proc.output().stderr);
    if (m) bound = Number(m[1]);
    if (proc.exitCode !== null) throw new Error(`barge agent exited: ${proc.output().stderr}`);
    return bound > 0;
  }, 20_000);
  return {
    proc, port: bound,
    url: (endpoint, path = '') => `barge://127.0.0.1:${bound}/${endpoint}${path === '' ? '' : '/' + path}`,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await proc.done;
    },
  };
}
