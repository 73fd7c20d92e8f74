// Prints the rows the coordinator benchmarks wrote (JSON lines) as one markdown table,
// after the machine description run.sh gathered (--env FILE).
//
//   node dist/bench/coordinator/table.js ROWS.jsonl [--env env.txt] [--commands commands.txt]
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { ResultRow } from './common.js';

const { values: a, positionals } = parseArgs({ options: { env: { type: 'string' }, commands: { type: 'string' } }, allowPositionals: true });
const file = positionals[0];
if (!file) throw new Error('usage: table.js ROWS.jsonl [--env FILE] [--commands FILE]');
// run.sh puts a line {"commit": "..."} before the rows of each of its runs
const rows: (ResultRow & { commit: string })[] = [];
let commit = '?';
for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
  if (line.trim() === '') continue;
  const o = JSON.parse(line) as Partial<ResultRow> & { commit?: string };
  if (o.commit !== undefined && o.bench === undefined) commit = o.commit;
  else rows.push({ ...(o as ResultRow), commit });
}
const cell = (s: string): string => s.replace(/\|/g, '\\|');

const out: string[] = ['# barge coordinator benchmarks', ''];
if (a.env && fs.existsSync(a.env)) out.push('```', fs.readFileSync(a.env, 'utf8').trimEnd(), '```', '');
out.push('| benchmark | setup | figure | target | result | details | commit |', '| --- | --- | ---: | --- | --- | --- | --- |');
for (const r of rows) out.push(`| ${[r.bench, r.setup, r.value, r.target, r.result, r.detail, r.commit].map(cell).join(' | ')} |`);
if (rows.length === 0) out.push('| (no results) | | | | | | |');
if (a.commands && fs.existsSync(a.commands)) out.push('', 'Commands:', '', '```sh', fs.readFileSync(a.commands, 'utf8').trimEnd(), '```');
process.stdout.write(out.join('\n') + '\n');
