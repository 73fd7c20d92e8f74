// docs/errors.md and docs/api.md show the table of src/core/error-codes.ts to people: these
// tests hold them equal, so that a code, a status or an exit code changed in one is changed in all.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ERROR_CODES, type ErrorCode } from '../src/core/error-codes.js';

/** the repository's root, found by walking up: this file runs from dist/test, and folders may move */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'docs', 'errors.md'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no docs/errors.md above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

function readDoc(name: string): string {
  return readFileSync(join(repoRoot(), 'docs', name), 'utf8');
}

/** The rows of the markdown table whose header is `header`; every row must have the header's number of cells. */
function tableRows(text: string, header: readonly string[]): string[][] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('|') && cells(l).join('|') === header.join('|'));
  assert.ok(at >= 0, `no table headed | ${header.join(' | ')} |`);
  const rows: string[][] = [];
  // the line after the header is the |---| rule
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith('|')) break;
    const row = cells(line);
    assert.equal(row.length, header.length, `a row of ${header.length} cells: ${line}`);
    rows.push(row);
  }
  return rows;
}

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

/** `E_IO` → E_IO */
function unquote(cell: string): string {
  const m = /^`([A-Z_]+)`$/.exec(cell);
  assert.ok(m?.[1] !== undefined, `a code in backquotes: ${cell}`);
  return m[1];
}

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

test('docs/errors.md lists every code of error-codes.ts, in its order, with the same meaning, retried, HTTP status and exit code', () => {
  const rows = tableRows(readDoc('errors.md'), ['code', 'meaning', 'retried', 'HTTP', 'exit']);
  assert.deepEqual(rows.map((r) => unquote(r[0] ?? '')), CODES);
  for (const [code, meaning, retried, http, exit] of rows) {
    const c = ERROR_CODES[unquote(code ?? '') as ErrorCode];
    // whole rows compared, so a failure shows every cell that differs
    assert.deepEqual({ code, meaning, retried, http, exit },
      { code, meaning: c.meaning, retried: c.retryable ? 'yes' : 'no', http: String(c.httpStatus), exit: String(c.exitCode) });
  }
});

test("docs/api.md's table of statuses names, for each status a code has, exactly the codes that have it", () => {
  const rows = tableRows(readDoc('api.md'), ['status', 'when', '`code`']);
  const listed = new Map<number, string[]>();
  for (const [status, , codes] of rows) {
    // "413, 414, 415" are fastify's own refusals, not a code's status; 500 is every code the API does not expose
    if (!/^\d+$/.test(status ?? '') || status === '500') continue;
    listed.set(Number(status), (codes ?? '').split(',').map((c) => unquote(c.trim())).sort());
  }
  const byStatus = new Map<number, string[]>();
  for (const code of CODES) {
    const s = ERROR_CODES[code].httpStatus;
    if (s !== 500) byStatus.set(s, [...byStatus.get(s) ?? [], code].sort());
  }
  assert.deepEqual([...listed].sort(([a], [b]) => a - b), [...byStatus].sort(([a], [b]) => a - b));
});
