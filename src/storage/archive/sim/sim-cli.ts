#!/usr/bin/env node
// The tape simulator as a command, so that the `command` driver (and a stand-in `hsi`) can be
// tested against it as a real process:
//   sim-cli --root DIR [options] ls-p PATH...   prints `hsi -q ls -P` lines for the paths
//   sim-cli --root DIR [options] session        reads `get "LOCAL" : "REMOTE"` lines on stdin
//                                                and stages them, in that order, in one session
// Options: --volumes N, --seed N, --catalogue FILE, --drives N, --scale X, --faults SPEC,
// --load S, --unload S, --locate S, --robot S, --read-rate BYTES_PER_S, --checksum md5|sha1|sha256
// (print `HEX ALGO REMOTE` for each file got), --stats FILE (write the clock totals as JSON),
// --state FILE (the library's drives, clock and totals carried from run to run; runs wait
// for each other then). Without --state each run is a new library with empty drives.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { formatLsP } from '../ls-p.js';
import { parseGetLine } from '../command/get-lines.js';
import { LTO9 } from './library.js';
import { SimDriver, simLibrary, type SimSettings } from './sim-driver.js';
import { withLibraryState } from './state-file.js';

const USAGE = 'usage: sim-cli --root DIR [options] ls-p PATH... | session';

function fail(message: string): never {
  process.stderr.write(`sim-cli: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function num(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0) fail(`--${name}: expected a number, got ${JSON.stringify(text)}`);
  return v;
}

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    root: { type: 'string' }, volumes: { type: 'string' }, seed: { type: 'string' }, catalogue: { type: 'string' },
    drives: { type: 'string' }, scale: { type: 'string' }, faults: { type: 'string' }, load: { type: 'string' },
    unload: { type: 'string' }, locate: { type: 'string' }, robot: { type: 'string' }, 'read-rate': { type: 'string' },
    checksum: { type: 'string' }, stats: { type: 'string' }, state: { type: 'string' },
  },
});
if (o.root === undefined) fail('--root is required');
const root = path.resolve(o.root);
const settings: SimSettings = {
  root, volumes: num(o.volumes, 20, 'volumes'), seed: num(o.seed, 1, 'seed'), drives: num(o.drives, 4, 'drives'),
  scale: num(o.scale, 0, 'scale'), faults: o.faults ?? '',
  timing: {
    loadS: num(o.load, LTO9.loadS, 'load'), unloadS: num(o.unload, LTO9.unloadS, 'unload'), locateS: num(o.locate, LTO9.locateS, 'locate'),
    robotS: num(o.robot, LTO9.robotS, 'robot'), readRate: num(o['read-rate'], LTO9.readRate, 'read-rate'),
  },
  ...(o.catalogue === undefined ? {} : { catalogue: path.resolve(o.catalogue) }),
};

/** an archive path as the tool prints it (absolute, under root) to the file's path in the tree */
function relOf(p: string): string | undefined {
  const rel = path.relative(root, path.resolve(root, p));
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
}

async function lsP(paths: string[]): Promise<number> {
  const driver = new SimDriver(settings);
  let bad = 0;
  const rels = paths.map(relOf);
  const located = await driver.locate(rels.map((r) => r ?? ''));
  located.forEach((l, i) => {
    const shown = path.resolve(root, paths[i] ?? '');
    const f = rels[i] === undefined ? undefined : simLibrary(settings).catalogue.files.get(l.path);
    if ('error' in l || f === undefined) {
      bad++;
      process.stderr.write(`*** hpss_Lstat: No such file or directory [-2: HPSS_ENOENT] ${shown}\n`);
    } else {
      process.stdout.write(`${formatLsP(shown, f.size, f.section, 0, f.volume)}\n`);
    }
  });
  return bad === 0 ? 0 : 64;
}

async function session(): Promise<number> {
  const lines = fs.readFileSync(0, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const gets: Array<{ local: string; remote: string; rel: string }> = [];
  let bad = 0;
  for (const line of lines) {
    if (line === 'quit' || line === 'exit') break;
    const g = parseGetLine(line);
    const rel = g === undefined ? undefined : relOf(g.remote);
    if (g === undefined || rel === undefined) { bad++; process.stderr.write(`*** bad command: ${line}\n`); continue; }
    gets.push({ ...g, rel });
  }
  const driver = new SimDriver(settings);
  const located = await driver.locate(gets.map((g) => g.rel));
  const jobs = gets.map((g, i) => {
    const l = located[i];
    return { path: g.rel, target: path.resolve(g.local), size: l && !('error' in l) ? l.size : 0, volume: l && !('error' in l) ? l.volume : '', position: 0 };
  });
  const results = await driver.stage(jobs);
  results.forEach((r, i) => {
    const g = gets[i] as { local: string; remote: string };
    if (r.error) {
      bad++;
      process.stderr.write(`*** get: ${g.remote}: ${r.error.message}\n`);
      return;
    }
    process.stdout.write(`get  '${g.local}' : '${g.remote}' (${fs.statSync(g.local).size} bytes)\n`);
    if (o.checksum !== undefined) {
      const hex = createHash(o.checksum).update(fs.readFileSync(path.join(root, r.path))).digest('hex');
      process.stdout.write(`${hex} ${o.checksum} ${g.remote}\n`);
    }
  });
  if (o.stats !== undefined) fs.writeFileSync(o.stats, JSON.stringify(driver.stats()));
  return bad === 0 ? 0 : 72;
}

const [command, ...rest] = positionals;
const chosen = command === 'ls-p' ? () => lsP(rest) : command === 'session' ? session : fail(`unknown command ${JSON.stringify(command ?? '')}`);
const run = o.state === undefined ? chosen() : withLibraryState(path.resolve(o.state), async (saved) => {
  const lib = simLibrary(settings);
  if (saved) lib.restore(saved);
  const result = await chosen();
  return { result, state: lib.state() };
});
run.then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`sim-cli: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
