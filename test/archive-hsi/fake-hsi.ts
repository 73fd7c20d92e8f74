// A stand-in for HPSS's `hsi`, for the archive kind's command driver: it runs the tape
// simulator's CLI (src/storage/archive/sim/sim-cli.ts) as a child process.
//   fake-hsi --sim JSON_ARGS [--garble NAME] [--corrupt NAME] -q ls -P PATH...
//   fake-hsi --sim JSON_ARGS [--corrupt NAME] [--truncate NAME] -q   (a session: get lines on stdin)
// --garble prints the ls -P line of a path ending in NAME with its volume field cut off;
// --corrupt flips the first byte of a file got from a path ending in NAME, after the get;
// --truncate cuts the last byte off such a file; --stderr 1 prints everything on stderr, as hsi does;
// --fill-once FILE:KEEP: before the first session (none has made FILE.done yet) someone else
// fills FILE's file system with FILE, up to KEEP bytes free (a buffer disk that fills under a session).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseGetLine } from '../../src/storage/archive/command/get-lines.js';

const simCli = fileURLToPath(new URL('../../src/storage/archive/sim/sim-cli.js', import.meta.url));
const args = process.argv.slice(2);
let simArgs: string[] = [];
const garble: string[] = [];
const corrupt: string[] = [];
const truncate: string[] = [];
let fillOnce: { file: string; keep: number } | undefined;
let allToStderr = false;
while (args[0]?.startsWith('--')) {
  const [flag, value = ''] = args.splice(0, 2);
  if (flag === '--sim') simArgs = JSON.parse(value) as string[];
  else if (flag === '--garble') garble.push(value);
  else if (flag === '--corrupt') corrupt.push(value);
  else if (flag === '--truncate') truncate.push(value);
  else if (flag === '--stderr') allToStderr = value === '1';
  else if (flag === '--fill-once') fillOnce = { file: value.slice(0, value.lastIndexOf(':')), keep: Number(value.slice(value.lastIndexOf(':') + 1)) };
  else { process.stderr.write(`fake-hsi: unknown flag ${flag}\n`); process.exit(2); }
}
if (args[0] === '-q') args.shift();

/** made here, or there already (another session was first) */
function claim(marker: string): boolean {
  try {
    fs.closeSync(fs.openSync(marker, 'wx'));
    return true;
  } catch {
    return false;
  }
}

function sim(command: string[], input: string): number {
  const r = spawnSync(process.execPath, [simCli, ...simArgs, ...command], { input, encoding: 'utf8' });
  let out = r.stdout;
  for (const name of garble) out = out.split('\n').map((l) => (l.startsWith('FILE') && l.split('\t')[1]?.endsWith(name) ? l.split('\t').slice(0, 5).join('\t') : l)).join('\n');
  if (allToStderr) process.stderr.write(out + r.stderr);
  else { process.stdout.write(out); process.stderr.write(r.stderr); }
  return r.status ?? 1;
}

if (args[0] === 'ls' && args[1] === '-P') {
  process.exitCode = sim(['ls-p', ...args.slice(2)], '');
} else if (args.length === 0) {
  const input = fs.readFileSync(0, 'utf8');
  if (fillOnce !== undefined && claim(`${fillOnce.file}.done`)) {
    const st = fs.statfsSync(path.dirname(fillOnce.file));
    fs.writeFileSync(fillOnce.file, Buffer.alloc(Math.max(0, st.bavail * st.bsize - fillOnce.keep), 1));
  }
  process.exitCode = sim(['session'], input);
  for (const line of input.split('\n')) {
    const g = parseGetLine(line.trim());
    if (!g || !fs.existsSync(g.local)) continue;
    if (corrupt.some((n) => g.remote.endsWith(n))) {
      const b = fs.readFileSync(g.local);
      b[0] = (b[0] ?? 0) ^ 0xff;
      fs.writeFileSync(g.local, b);
    }
    if (truncate.some((n) => g.remote.endsWith(n))) fs.truncateSync(g.local, Math.max(0, fs.statSync(g.local).size - 1));
  }
} else {
  process.stderr.write(`fake-hsi: unsupported command: ${args.join(' ')}\n`);
  process.exitCode = 2;
}
