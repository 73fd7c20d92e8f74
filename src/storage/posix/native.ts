// The native addon (src/native/barge_native.c): nanosecond-exact file times.
import { createRequire } from 'node:module';

interface NativeBinding {
  futimens(fd: number, atimeNs: bigint | null, mtimeNs: bigint): void;
  lutimens(path: string, atimeNs: bigint | null, mtimeNs: bigint): void;
}

const require = createRequire(import.meta.url);
// dist/src/storage/posix -> package root
export const native = require('../../../../build/Release/barge_native.node') as NativeBinding;
