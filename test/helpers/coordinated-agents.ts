// A coordinator's configuration with a source endpoint at site a and a destination at
// site b, and `barge agent --coordinator` processes started against it, for the tests of
// agents on several hosts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBarge, waitUntil, type BargeProcess } from './run-cli.js';
import { ADMIN_SECRET } from './service.js';

export const AGENT_SECRET = 'test-agent-secret-0123456789abcd';

/** barge.toml in `dir`: endpoints panda (site a, read-only) and badger (site b, writable), an admin and an agent token */
export function coordinatedConfig(dir: string): string {
  const file = join(dir, 'barge.toml');
  writeFileSync(file, [
    '[endpoints.panda]', 'path = "/site-a/panda"', 'write = false', 'site = "a"',
    '[endpoints.badger]', 'path = "/site-b/badger"', 'write = true', 'site = "b"',
    '[[tokens]]', 'name = "ops"', `secret = "${ADMIN_SECRET}"`, 'role = "admin"',
    '[[tokens]]', 'name = "agents"', `secret = "${AGENT_SECRET}"`, 'role = "agent"',
  ].join('\n') + '\n');
  return file;
}

/** an agent leasing from `coordinator`, serving `endpoint` (NAME=/path[:rw]), once it listens; `args`: more flags */
export async function startCoordinatedAgent(coordinator: string, name: string, site: string, endpoint: string, env: Record<string, string> = {},
  args: string[] = []): Promise<BargeProcess> {
  const p = startBarge(['agent', '--coordinator', coordinator, '--name', name, '--site', site, '--endpoint', endpoint,
    '--data-listen', '127.0.0.1:0', '--transfers', '2', '--metrics-listen', '127.0.0.1:0', ...args], { env: { BARGE_TOKEN: AGENT_SECRET, ...env }, timeoutMs: 600_000 });
  await waitUntil(() => {
    if (p.exitCode !== null) throw new Error(`agent ${name} exited: ${p.output().stderr}`);
    return /listening on/.test(p.output().stderr);
  }, 30_000);
  return p;
}
