// The OpenAPI document a real `barge serve` answers at /api/openapi.json passes `redocly lint`
// with the rules of ops/openapi/redocly.yaml (`recommended` and more), no warning allowed. The
// linter runs from node_modules with its telemetry and update check off: no network.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { ADMIN_SECRET, startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules', '.bin', 'redocly');
const CONFIG = join(ROOT, 'ops', 'openapi', 'redocly.yaml');
// where the config's ignore file (.redocly.lint-ignore.yaml) expects the document
const DOCUMENT = join(ROOT, 'dist', 'openapi.json');

interface LintReport { totals: { errors: number; warnings: number; ignored: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] }

function lint(file: string): { status: number | null; report: LintReport; stderr: string } {
  const r = spawnSync(REDOCLY, ['lint', '--config', CONFIG, '--format=json', relative(ROOT, file)], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  assert.ok(r.stdout.trim().startsWith('{'), `redocly answered a report: ${r.stdout}${r.stderr}`);
  return { status: r.status, report: JSON.parse(r.stdout) as LintReport, stderr: r.stderr };
}

type Doc = { paths: Record<string, Record<string, { operationId?: string; description?: string }>> };
let work: string;
let svc: Service;
let doc: Doc;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'barge-openapi-'));
  mkdirSync(join(work, 'src'));
  mkdirSync(join(work, 'dst'));
  svc = await startService(['--config', writeServiceConfig(work, join(work, 'src'), join(work, 'dst')), '--db', 'memory']);
  const r = await fetch(`${svc.url}/api/openapi.json`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
  assert.equal(r.status, 200);
  doc = await r.json() as Doc;
});
after(async () => {
  await stopService(svc);
  rmSync(work, { recursive: true, force: true });
});

test('the served OpenAPI document is clean under redocly lint: no error, no warning', () => {
  writeFileSync(DOCUMENT, JSON.stringify(doc, null, 2));
  const { status, report, stderr } = lint(DOCUMENT);
  const problems = report.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`);
  assert.deepEqual(problems, [], stderr);
  assert.equal(status, 0, stderr);
  assert.deepEqual({ errors: report.totals.errors, warnings: report.totals.warnings }, { errors: 0, warnings: 0 });
  // the one exception the ignore file lists, and no other
  assert.equal(report.totals.ignored, 1);
});

test('every operation has a unique operationId and a description', () => {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([m, o]) => ({ route: `${m} ${path}`, ...o })));
  assert.ok(ops.length >= 23, `operations: ${ops.length}`);
  for (const o of ops) {
    assert.match(o.operationId ?? '', /^[a-z][A-Za-z]+$/, `${o.route} operationId`);
    assert.ok((o.description ?? '').length > 10, `${o.route} description`);
  }
  assert.equal(new Set(ops.map((o) => o.operationId)).size, ops.length, 'operationIds are unique');
});

test('the linter with this config catches an operation without operationId or description (the check is real)', () => {
  const broken = structuredClone(doc);
  const submit = broken.paths['/api/requests']?.post;
  assert.ok(submit);
  delete submit.operationId;
  delete submit.description;
  const file = join(work, 'broken.json');
  writeFileSync(file, JSON.stringify(broken));
  const { status, report } = lint(file);
  assert.notEqual(status, 0);
  const rules = report.problems.filter((p) => p.location[0]?.pointer.startsWith('#/paths/~1api~1requests/post') === true).map((p) => p.ruleId).sort();
  assert.deepEqual(rules, ['operation-description', 'operation-operationId']);
});
