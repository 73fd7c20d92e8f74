// The native addon (src/native/barge_native.c): nanosecond-exact file times.
import { createRequire } from 'node:module';

export interface NativeScan {
  names: string[];
  /** SCAN_FIELDS numbers per entry, see barge_native.c */
  stats: Float64Array;
  targets: (string | null)[];
}

export const SCAN_FIELDS = 13;

interface NativeBinding {
  scanDir(path: string): NativeScan;
  punchHole(fd: number, offset: number, length: number): void;
  linkFd(fd: number, path: string): void;
  readSmall(path: string, buf: Buffer): [length: number, size: number, mtimeSec: number, mtimeNsec: number];
  writeSmall(dir: string, path: string, buf: Buffer, length: number, mode: number, uid: number, gid: number,
    mtimeSec: number, mtimeNsec: number, flags: number): void;
  futimens(fd: number, atimeNs: bigint | null, mtimeNs: bigint): void;
  lutimens(path: string, atimeNs: bigint | null, mtimeNs: bigint): void;
}

const require = createRequire(import.meta.url);
// dist/src/storage/posix -> package root
export const native = require('../../../../build/Release/barge_native.node') as NativeBinding;
