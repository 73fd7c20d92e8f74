// The drop folder on disk: which names in it are request files, its accepted/, quarantine/
// and status/ folders, moves that never overwrite, and JSON files written whole (a
// temporary dot-name, then a rename) so a reader never sees half of one.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type InboxOutcome = 'accepted' | 'quarantine';
export const INBOX_SUBDIRS = ['accepted', 'quarantine', 'status'] as const;

/** A file in the inbox as one look saw it: what must stay the same for it to count as quiet. */
export interface SeenFile { name: string; signature: string }

/**
 * Moves a file out of the inbox to `to/as` (a free name: see freeName). The one seam test
 * set-up wraps to stop a coordinator between a request's insert and its file's move.
 */
export interface InboxMoves {
  move(name: string, to: InboxOutcome, as: string): void;
}

/** names a writer is still busy with, by convention: dot-names and *.tmp (write, then rename) */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.tmp');
}

export class InboxFolder implements InboxMoves {
  /** mode bits of the files barge writes: those of the folder, without execute */
  private fileMode = 0o600;
  private writes = 0;

  constructor(readonly root: string) {}

  /**
   * Makes the folder (0700) unless it exists, and its three subfolders with the folder's own
   * mode: an operator who opens the inbox to a group (0770) opens its outcomes to it too.
   */
  prepare(): void {
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const st = fs.statSync(this.root);
    if (!st.isDirectory()) throw new Error(`${this.root} is not a directory`);
    const mode = st.mode & 0o777;
    this.fileMode = mode & 0o666;
    for (const d of INBOX_SUBDIRS) {
      const at = path.join(this.root, d);
      try {
        fs.mkdirSync(at, { mode });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue; // the operator's, as it is
        throw e;
      }
      // mkdir's mode is narrowed by the umask; the operator's mode of the inbox is what counts
      fs.chmodSync(at, mode);
    }
  }

  pathOf(name: string, sub?: (typeof INBOX_SUBDIRS)[number]): string {
    return sub === undefined ? path.join(this.root, name) : path.join(this.root, sub, name);
  }

  /**
   * The names that may be request files now, with what they look like: dot-names, *.tmp and
   * the subfolders are left out, and so are names that are not UTF-8 (they cannot be named back).
   */
  look(): SeenFile[] {
    const out: SeenFile[] = [];
    for (const raw of fs.readdirSync(this.root, { encoding: 'buffer' })) {
      const name = raw.toString('utf8');
      if (!Buffer.from(name, 'utf8').equals(raw) || isIgnoredName(name) || (INBOX_SUBDIRS as readonly string[]).includes(name)) continue;
      let st: fs.Stats;
      try { st = fs.lstatSync(path.join(this.root, name)); } catch { continue; } // gone meanwhile
      out.push({ name, signature: `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.mode}` });
    }
    return out;
  }

  move(name: string, to: InboxOutcome, as: string): void {
    fs.renameSync(this.pathOf(name), this.pathOf(as, to));
  }

  /** `name`, or `stem.N.ext` when the name (or its .error.json) is taken in `sub` */
  freeName(name: string, sub: InboxOutcome): string {
    const ext = path.extname(name);
    const stem = name.slice(0, name.length - ext.length);
    for (let n = 0; ; n++) {
      const candidate = n === 0 ? name : `${stem}.${n}${ext}`;
      if (!fs.existsSync(this.pathOf(candidate, sub)) && !fs.existsSync(this.pathOf(`${candidate}.error.json`, sub))) return candidate;
    }
  }

  /** writes `value` as JSON to `sub/name` whole: a dot-name first, then a rename over the old file */
  writeJson(sub: (typeof INBOX_SUBDIRS)[number], name: string, value: unknown): void {
    // a name of its own per write: two writes of one status at once (an event and the backstop) both land whole
    const tmp = this.pathOf(`.${name}.${process.pid}.${++this.writes}.tmp`, sub);
    try {
      fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: this.fileMode, flag: 'wx' });
      fs.renameSync(tmp, this.pathOf(name, sub));
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }
}
