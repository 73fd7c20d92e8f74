// Sets file times with nanosecond precision. Node's utimes/lutimes take seconds as a
// double and lose the last digits, so exact times go through coreutils `touch -h -d @S.N`.
import { execFileSync } from 'node:child_process';
import { lstatSync } from 'node:fs';

/** `@SECONDS.NANOS` for touch -d; touch reads `@-1.25` as -1.25 s, so the sign covers both parts. */
export function touchStamp(ns: bigint): string {
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0');
  return `@${sign}${abs / 1_000_000_000n}.${frac}`;
}

/** Seconds with nine decimals, for messages. */
export function formatNs(ns: bigint): string {
  return touchStamp(ns).slice(1);
}

// One shell runs every touch: a node spawn per path would dominate the time to build a tree.
const TOUCH_LOOP = 'while [ "$#" -gt 0 ]; do touch -c -h -d "$1" -- "$2" || exit 1; shift 2; done';
const BATCH = 500;

/**
 * Sets atime and mtime of each path (never following symlinks) to exactly `ns`, in the
 * order given, then checks that the file system kept every nanosecond.
 */
export function setTimesNs(items: ReadonlyArray<readonly [path: string, ns: bigint]>): void {
  for (let i = 0; i < items.length; i += BATCH) {
    const args: string[] = [];
    for (const [path, ns] of items.slice(i, i + BATCH)) args.push(touchStamp(ns), path);
    execFileSync('sh', ['-c', TOUCH_LOOP, 'sh', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const wrong = items.filter(([path, ns]) => lstatSync(path, { bigint: true }).mtimeNs !== ns);
  if (wrong.length > 0) {
    const list = wrong.map(([p, ns]) => `${JSON.stringify(p)} wanted ${formatNs(ns)} got ` +
      formatNs(lstatSync(p, { bigint: true }).mtimeNs)).join('; ');
    throw new Error(`setTimesNs: the file system did not keep these times exactly: ${list}`);
  }
}

export function setTimeNs(path: string, ns: bigint): void {
  setTimesNs([[path, ns]]);
}

export function mtimeNs(path: string): bigint {
  return lstatSync(path, { bigint: true }).mtimeNs;
}
