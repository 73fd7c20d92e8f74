// What `npm pack` would publish: barge's compiled code, the native addon's sources and
// the docs and the monitoring examples of ops/, and no test: no *.test.js, no test set-up, no conformance suites, nothing of test/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('the package holds no test file and everything barge needs to install and run', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
  const tests = files.filter((p) => /\.test\.js|test-support|conformance|^dist\/test\/|^test\//.test(p));
  assert.deepEqual(tests, []);
  for (const needed of ['dist/src/cli/main.js', 'dist/src/agent/task-thread.js', 'dist/src/agent/sync-thread.js', 'binding.gyp', 'scripts/build-native.js', 'src/native/barge_native.c', 'docs/errors.md',
    'ops/grafana/barge.json', 'ops/prometheus/prometheus.yml', 'ops/prometheus/barge-alerts.yml',
    // the dashboard's own browser files (htmx and uPlot come with their npm packages)
    'src/server/assets/dashboard.js', 'src/server/assets/dashboard.css', 'dist/src/server/pages/dashboard.js']) {
    assert.ok(files.includes(needed), `${needed} is in the package`);
  }
});
