// When a file of the inbox has stopped changing: a name counts as quiet once one look after
// another has seen it the same (inode, size, mtime, ctime, mode) for the quiet period. A
// writer that copies a file in, or writes it in place, is not read half way; one that writes
// a `.tmp` and renames it is read after the period as well (the rename makes a new name).
import type { SeenFile } from './inbox-folder.js';

export class QuietFiles {
  private readonly since = new Map<string, { signature: string; at: number }>();

  constructor(private readonly quietMs: number) {}

  /** the names of `seen` that have looked the same for quietMs by `now`; forgets names gone */
  ready(seen: readonly SeenFile[], now: number): string[] {
    const present = new Set<string>();
    const out: string[] = [];
    for (const f of seen) {
      present.add(f.name);
      const before = this.since.get(f.name);
      if (before?.signature !== f.signature) { this.since.set(f.name, { signature: f.signature, at: now }); continue; }
      if (now - before.at >= this.quietMs) out.push(f.name);
    }
    for (const name of [...this.since.keys()]) if (!present.has(name)) this.since.delete(name);
    return out;
  }

  /** a name handled (moved away, or to be looked at afresh) */
  forget(name: string): void {
    this.since.delete(name);
  }
}
