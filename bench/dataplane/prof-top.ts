// Summarises V8 .cpuprofile files (node --cpu-prof): the functions with the most self
// time, per file, as markdown tables.
//
//   node dist/bench/dataplane/prof-top.js [--top N] [--label TEXT] FILE.cpuprofile...
import * as fs from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const { values: a, positionals: files } = parseArgs({
  options: { top: { type: 'string', default: '15' }, label: { type: 'string', default: '' } },
  allowPositionals: true,
});
if (files.length === 0) throw new Error('usage: prof-top.js [--top N] [--label TEXT] FILE.cpuprofile...');
const top = Number(a.top);

for (const file of files) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // sample i lasted until the next one: timeDeltas[i + 1]
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i + 1] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const byFn = new Map<string, number>();
  for (const [id, us] of self) {
    const cf = byId.get(id)?.callFrame;
    if (!cf) continue;
    const where = cf.url ? ` ${basename(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}${where}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  const busy = total - (byFn.get('(idle)') ?? 0);
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread
  const m = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(basename(file));
  const who = m ? `pid ${m[1]}, ${m[2] === '0' ? 'main thread' : `worker thread ${m[2]}`}` : basename(file);
  const out = [
    '',
    `#### ${a.label ? `${a.label}, ` : ''}${who}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle (${(100 * busy / Math.max(total, 1)).toFixed(0)}%)`,
    '',
    '| self s | % of busy | function |',
    '| ---: | ---: | --- |',
  ];
  const rows = [...byFn].filter(([k]) => k !== '(idle)').sort((x, y) => y[1] - x[1]).slice(0, top);
  for (const [k, us] of rows) out.push(`| ${(us / 1e6).toFixed(2)} | ${(100 * us / Math.max(busy, 1)).toFixed(1)} | \`${k}\` |`);
  process.stdout.write(out.join('\n') + '\n');
}
