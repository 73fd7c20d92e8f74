// Nanosecond times as the kernel gives and takes them: seconds and nanoseconds apart.
const NS = 1_000_000_000n;

/** ns since the epoch -> [seconds, 0 <= nanoseconds < 1e9] */
export function splitNs(ns: bigint): [sec: number, nsec: number] {
  const sec = ns >= 0n ? ns / NS : -((-ns + NS - 1n) / NS);
  return [Number(sec), Number(ns - sec * NS)];
}

/** seconds and nanoseconds (as a stat gives them) -> ns since the epoch */
export function joinNs(sec: number, nsec: number): bigint {
  return BigInt(sec) * NS + BigInt(nsec);
}
