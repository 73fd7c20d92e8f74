// Runs every compiled test file (unit tests beside the code, integration tests in test/)
// with Node's own test runner; other arguments filter by path substring.
//
// Files run --concurrency=N at a time (default 2; `npm test -- --concurrency=1`: one after
// another): most of a file's time is spent waiting on child processes, disks and timers,
// not on a core, and every test makes its own
// temp directory, PostgreSQL database (helpers/postgres-db.ts) and ports (port 0), so files
// do not meet. The files of SERIAL then run alone: they count what happens within a few
// seconds or read the page cache, which the load of other files would disturb.
// SLOW_FIRST start first, then the other integration tests, then the quick unit tests: no
// long file begins late and runs on its own at the end.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** files that run alone, after the others (path substrings) */
const SERIAL = [
  'test/page-cache.test.js', // at least 90% of a file must stay cached: other files' I/O can evict it
  'test/agent-logs.test.js', // counts an agent's log lines within 5.5 s
  'test/watch-backoff.test.js', // counts a watch's tries within 6 s
];

/** the longest files (path substrings), longest first */
const SLOW_FIRST = [
  'test/agents-coordinated.test.js',
  'test/serve-inbox.test.js',
  'test/archive-serve.test.js',
];

function find(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// not a BARGE_TEST_* variable: those arm barge's test hooks in every child (helpers/run-cli.ts)
const CONCURRENCY = /^--concurrency=(.*)$/;
const given = process.argv.slice(2).map((a) => CONCURRENCY.exec(a)?.[1]).filter((v) => v !== undefined).at(-1);
const concurrency = Number(given ?? 2);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`run-tests: --concurrency must be a whole number of at least 1, not '${given}'`);
  process.exit(2);
}
const filters = process.argv.slice(2).filter((a) => !CONCURRENCY.test(a));
const files = find('dist').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/ (run npm run build first)');
  process.exit(1);
}
const rank = (f) => {
  const i = SLOW_FIRST.findIndex((s) => f.includes(s));
  return i >= 0 ? i : SLOW_FIRST.length + (f.startsWith(join('dist', 'src')) ? 1 : 0);
};
const serial = files.filter((f) => SERIAL.some((s) => f.includes(s)));
const together = files.filter((f) => !serial.includes(f)).sort((a, b) => rank(a) - rank(b));

const KEYS = ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];

/** one `node --test` run; its output passes through, and its summary lines are counted */
function run(list, n) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--test', `--test-concurrency=${n}`, '--test-reporter=spec', ...list], { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4096);
    });
    child.on('close', (code, signal) => {
      const counts = {};
      for (const k of KEYS) counts[k] = Number(new RegExp(`ℹ ${k} (\\d+)`).exec(tail)?.[1] ?? 0);
      resolve({ ok: code === 0, code: code ?? signal, counts, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const parts = [];
if (together.length > 0) parts.push({ name: `${together.length} files, ${concurrency} at a time`, ...(await run(together, concurrency)) });
if (serial.length > 0) parts.push({ name: `${serial.length} files alone`, ...(await run(serial, 1)) });
if (parts.length > 1) {
  const sum = (k) => parts.reduce((n, p) => n + p.counts[k], 0);
  console.log(`\nrun-tests: ${parts.map((p) => `${p.name}: ${p.seconds.toFixed(0)} s${p.ok ? '' : ` (exit ${p.code})`}`).join('; ')}`);
  console.log(`run-tests: ${KEYS.map((k) => `${k} ${sum(k)}`).join(', ')}`);
}
process.exit(parts.every((p) => p.ok) ? 0 : 1);
