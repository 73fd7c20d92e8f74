// Tape order through the stager: N real files in an archive endpoint on the simulator (scale
// 0: simulated time only), staged through the archive kind's Stager (the buffer, its quota and
// admission, the sim driver) twice — in request order, each file its own session as a naive
// pipeline asks, and as the coordinator's stager plans it (coordinator/staging/stage-plan.ts:
// volumes picked by score, a mounted one finished first, sessions in position order of at most
// batch_size files and half the quota, admitted while staged + on the way + the session fit).
// The files are 1-10 KB on disk; the drives read 1,100 bytes/s by default (--read-rate), so a
// file takes as long as a 0.5-4.5 GB file at LTO-9's 400 MB/s: the read time is as large a
// share as with real files, not negligible beside mounts and locates. Prints mounts and
// simulated hours of each and the ratio; exits 1 when ordered is above --max-ratio (0.35)
// of request order, or the buffer went past its quota.
//
//   node dist/bench/archive/stager-order.js [--files 1000] [--volumes 20] [--drives 4] [--seed 42]
//     [--read-rate 1100] [--max-ratio 0.35]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { admits, cutSession, pickVolume, type Located } from '../../src/coordinator/staging/stage-plan.js';
import { openStorage, storageKind } from '../../src/storage/registry.js';
import type { Stager } from '../../src/storage/stager.js';

const { values: o } = parseArgs({
  options: {
    files: { type: 'string', default: '1000' }, volumes: { type: 'string', default: '20' }, drives: { type: 'string', default: '4' },
    seed: { type: 'string', default: '42' }, 'max-ratio': { type: 'string', default: '0.35' }, 'read-rate': { type: 'string', default: '1100' },
  },
});
const n = Number(o.files);
const drives = Number(o.drives);

const top = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-stager-order-'));
const ns = path.join(top, 'archive');
const rels: string[] = [];
let total = 0;
for (let i = 0; i < n; i++) {
  const rel = `d${i % 10}/f${i}`;
  fs.mkdirSync(path.join(ns, `d${i % 10}`), { recursive: true });
  const size = 1000 + ((i * 7919) % 9000);
  fs.writeFileSync(path.join(ns, rel), Buffer.alloc(size, i % 251));
  rels.push(rel);
  total += size;
}
const quota = Math.floor(total / 10);

function stagerAt(name: string): Stager {
  // a catalogue file apiece (a copy of one placement): each run has a library of its own, empty drives, clock at 0
  const catalogue = path.join(top, `${name}.json`);
  const first = path.join(top, 'request.json');
  if (name !== 'request' && fs.existsSync(first)) fs.copyFileSync(first, catalogue);
  const endpoint = storageKind('archive').parseEndpoint({
    path: ns, buffer: path.join(top, `buffer-${name}`), buffer_quota: quota, drives, driver: 'sim', volumes: Number(o.volumes), seed: Number(o.seed), scale: 0, catalogue, read_rate: Number(o['read-rate']),
  }, 'bench');
  const s = openStorage(endpoint).stager;
  if (s === undefined) throw new Error('the archive kind gave no stager');
  return s;
}

async function requestOrder(): Promise<Record<string, number>> {
  const stager = stagerAt('request');
  let next = 0;
  await Promise.all(Array.from({ length: drives }, async () => {
    while (next < rels.length) {
      const rel = rels[next++] as string;
      const [r] = await stager.stage([rel]);
      if (r?.error) throw new Error(`${rel}: ${r.error.message}`);
      await stager.release([rel]);
    }
  }));
  return stager.stats();
}

async function stagerOrder(): Promise<Record<string, number>> {
  const stager = stagerAt('ordered');
  const located = (await stager.locate(rels)).map((l) => {
    if ('error' in l) throw new Error(`${l.path}: ${l.error.message}`);
    return { ...l, since: 0 };
  });
  const waiting = new Map<string, (Located & { path: string })[]>();
  for (const l of located) waiting.set(l.volume, [...(waiting.get(l.volume) ?? []), l]);
  const busy = new Set<string>();
  let mounted: string[] = [];
  let onTheWay = 0;
  const running = new Set<Promise<void>>();
  for (;;) {
    const free = new Map([...waiting].filter(([v, f]) => !busy.has(v) && f.length > 0));
    const volume = running.size < drives ? pickVolume(free, 0, new Set(mounted)) : undefined;
    const session = volume === undefined ? [] : cutSession(free.get(volume) ?? [], stager.limits);
    const bytes = session.reduce((a, f) => a + f.size, 0);
    if (volume === undefined || !admits(stager.stats().usedBytes ?? 0, onTheWay, bytes, quota)) {
      if (running.size === 0) break;
      await Promise.race(running);
      continue;
    }
    const taken = new Set(session);
    waiting.set(volume, (waiting.get(volume) ?? []).filter((f) => !taken.has(f)));
    busy.add(volume);
    mounted = [...mounted.filter((v) => v !== volume), volume].slice(-drives);
    onTheWay += bytes;
    const p: Promise<void> = (async () => {
      const results = await stager.stage(session.map((f) => f.path));
      const bad = results.find((r) => r.error);
      if (bad?.error) throw new Error(`${bad.path}: ${bad.error.message}`);
      onTheWay -= bytes;
      busy.delete(volume);
      // shipped and verified at once here: the bench measures the tape side
      await stager.release(session.map((f) => f.path));
    })().finally(() => running.delete(p));
    running.add(p);
  }
  return stager.stats();
}

try {
  const asked = await requestOrder();
  const ordered = await stagerOrder();
  const h = (s: number | undefined): string => ((s ?? 0) / 3600).toFixed(2);
  console.log(`${n} files on ${o.volumes} volumes, ${drives} drives, LTO-9 timing read at ${o['read-rate']} B/s, buffer ${quota} bytes (10%)`);
  console.log('order            mounts  seek h  elapsed h  buffer peak');
  for (const [name, t] of [['request order', asked], ['stager order', ordered]] as const) {
    console.log(`${name.padEnd(16)} ${String(t.mounts).padStart(6)}  ${h(t.seekSeconds).padStart(6)}  ${h(t.elapsedSeconds).padStart(9)}  ${t.peakBytes}`);
  }
  const ratio = (ordered.elapsedSeconds ?? 0) / (asked.elapsedSeconds ?? 1);
  console.log(`stager order / request order, elapsed: ${ratio.toFixed(3)} (at most ${o['max-ratio']})`);
  if ((ordered.peakBytes ?? 0) > quota) { console.error('the buffer went past its quota'); process.exitCode = 1; }
  if (ratio > Number(o['max-ratio'])) process.exitCode = 1;
} finally {
  fs.rmSync(top, { recursive: true, force: true });
}
