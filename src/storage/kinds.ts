// The one list of built-in storage kinds. A new kind is a folder beside posix/ and one line here.
import { archiveKind } from './archive/archive-kind.js';
import { posixKind } from './posix/posix-kind.js';
import type { StorageKind } from './storage-kind.js';

export const builtInKinds: readonly StorageKind[] = [
  posixKind,
  archiveKind,
];
