// The import fence of docs/design.md holds: a file that imports across it fails the lint.
// Each pair below is written out here, not read from eslint.config.js, so removing or
// loosening a rule there makes this test fail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface FenceModule {
  FOLDERS: string[];
  fence(folder: string): Linter.Config;
}

/** the fence rules of the project's own config, without its type-aware rules (probes are not on disk) */
async function fenceLinter(): Promise<ESLint> {
  const m = await import(new URL('eslint.config.js', `file://${ROOT}`).href) as FenceModule;
  return new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { '@typescript-eslint': tseslint.plugin } },
      ...m.FOLDERS.map((f) => m.fence(f)),
    ],
  });
}

async function refused(eslint: ESLint, file: string, spec: string): Promise<boolean> {
  const [r] = await eslint.lintText(`import { x } from '${spec}';\nexport const y = x;\n`, { filePath: `${ROOT}${file}` });
  return (r?.messages ?? []).some((m) => m.ruleId === '@typescript-eslint/no-restricted-imports');
}

// [the importing file, what it imports, refused?]
const CASES: [string, string, boolean][] = [
  // core imports only core, and no I/O
  ['src/core/probe.ts', '../storage/storage.js', true],
  ['src/core/probe.ts', '../engine/sync-run.js', true],
  ['src/core/probe.ts', '../coordinator/coordinator.js', true],
  ['src/core/probe.ts', '../server/app.js', true],
  ['src/core/probe.ts', '../agent/lease-loop.js', true],
  ['src/core/probe.ts', '../state/state-store.js', true],
  ['src/core/probe.ts', '../config/test-hooks.js', true],
  ['src/core/probe.ts', 'node:fs', true],
  ['src/core/probe.ts', './errors.js', false],
  // storage, transport, state: below the engine
  ['src/storage/posix/probe.ts', '../../engine/copy-file.js', true],
  ['src/storage/probe.ts', '../config/service-config.js', true],
  ['src/transport/probe.ts', '../engine/hasher.js', true],
  ['src/transport/probe.ts', '../storage/storage.js', false],
  ['src/state/probe.ts', '../storage/storage.js', true],
  ['src/state/probe.ts', '../core/errors.js', false],
  ['src/engine/probe.ts', '../coordinator/phases.js', true],
  ['src/engine/probe.ts', '../agent/lease-loop.js', true],
  // no sibling imports between coordinator, server and agent
  ['src/coordinator/probe.ts', '../server/app.js', true],
  ['src/coordinator/probe.ts', '../agent/lease-loop.js', true],
  ['src/server/routes/probe.ts', '../../coordinator/coordinator.js', true],
  ['src/server/probe.ts', '../agent/agent-metrics.js', true],
  ['src/agent/probe.ts', '../coordinator/agent-service.js', true],
  ['src/agent/probe.ts', '../server/app.js', true],
  ['src/agent/probe.ts', '../engine/task-runner.js', false],
  // nothing imports cli; src never imports test
  ['src/server/probe.ts', '../cli/commands.js', true],
  ['src/agent/probe.ts', '../cli/commands.js', true],
  ['src/state/probe.ts', '../../test/helpers/postgres-db.js', true],
  ['src/cli/probe.ts', '../coordinator/coordinator.js', false],
];

test('the import fence: each crossing is refused by the lint, each allowed import passes', async () => {
  const eslint = await fenceLinter();
  const wrong: string[] = [];
  for (const [file, spec, expected] of CASES) {
    const got = await refused(eslint, file, spec);
    if (got !== expected) wrong.push(`${file} importing ${spec}: ${got ? 'refused' : 'allowed'}, expected ${expected ? 'refused' : 'allowed'}`);
  }
  assert.deepEqual(wrong, []);
});
