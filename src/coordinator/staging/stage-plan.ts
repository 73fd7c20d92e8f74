// Which volume the stager mounts next and which of its files go in that session: pure rules,
// so they are tested alone. Volumes are scored by the bytes waiting on them and by how long
// their oldest file has waited (so no tape starves), with a volume a drive still holds
// preferred (its next session needs no mount); a session takes the volume's files in
// position order, at most batchSize of them and at most half the buffer's quota, so a tape
// bigger than the buffer is served in several sessions while the last one's files ship. A
// volume a drive holds is finished first (no tape is mounted twice), unless another has
// waited past STARVING_MS.

export interface Located {
  volume: string;
  position: number;
  size: number;
  /** when it was found waiting (ms) */
  since: number;
}

export interface PlanLimits {
  batchSize: number;
  quotaBytes: number;
}

/** the age at which a volume's score doubles: a small volume that waits long enough comes first */
export const AGE_DOUBLES_MS = 60_000;
/** a volume whose oldest file waited this long goes before the mounted ones */
export const STARVING_MS = 10 * AGE_DOUBLES_MS;

function oldestOf(files: readonly Located[], now: number): number {
  let oldest = now;
  for (const f of files) oldest = Math.min(oldest, f.since);
  return oldest;
}

/** the bytes waiting, doubled for each AGE_DOUBLES_MS the oldest file waited; a tier above all: mounted, and above that: starving */
export function volumeScore(files: readonly Located[], now: number, mounted: boolean): number {
  let bytes = 0;
  for (const f of files) bytes += Math.max(1, f.size);
  const waited = now - oldestOf(files, now);
  const tier = waited >= STARVING_MS ? 2 : mounted ? 1 : 0;
  return tier * 1e18 + bytes * (1 + waited / AGE_DOUBLES_MS);
}

/** the volume to serve next among `byVolume` (those not in a session now); undefined when none waits */
export function pickVolume<T extends Located>(byVolume: ReadonlyMap<string, readonly T[]>, now: number, mounted: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const [v, files] of byVolume) {
    if (files.length === 0) continue;
    const s = volumeScore(files, now, mounted.has(v));
    if (s > bestScore || (s === bestScore && best !== undefined && v < best)) { best = v; bestScore = s; }
  }
  return best;
}

/** one session of a volume: its files in position order, within batchSize and half the quota (one file at least) */
export function cutSession<T extends Located>(files: readonly T[], l: PlanLimits): T[] {
  const sorted = [...files].sort((a, b) => a.position - b.position);
  const half = Math.floor(l.quotaBytes / 2);
  const out: T[] = [];
  let bytes = 0;
  for (const f of sorted) {
    if (out.length >= l.batchSize) break;
    if (out.length > 0 && bytes + f.size > half) break;
    out.push(f);
    bytes += f.size;
  }
  return out;
}

/** admission by reservation: what is staged, what is on its way and the next session fit in the quota */
export function admits(usedBytes: number, onTheWayBytes: number, sessionBytes: number, quotaBytes: number): boolean {
  return usedBytes + onTheWayBytes + sessionBytes <= quotaBytes;
}
