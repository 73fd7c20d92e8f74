// --hard-links: the first name of a multiply-linked source inode is copied, every
// other name becomes a hard link to it at the destination once it has landed.
import type { FileItem, HardLinkNote } from '../core/task-types.js';

interface Group {
  primary: string;
  state: 'copying' | 'done' | 'failed';
  dstIno: string | undefined;
  waiters: string[];
}

export interface LinkOrder {
  existing: string;
  rel: string;
}

export class HardLinkTracker {
  private readonly groups = new Map<string, Group>();
  private readonly byPrimary = new Map<string, Group>();

  /** a file to copy: returns 'copy' for the first name, else a link order (now or later) */
  onCopy(f: FileItem): 'copy' | LinkOrder | 'wait' {
    const key = f.src.linkKey ?? `${f.src.dev}:${f.src.ino}`;
    const g = this.groups.get(key);
    if (!g) {
      const ng: Group = { primary: f.rel, state: 'copying', dstIno: undefined, waiters: [] };
      this.groups.set(key, ng);
      this.byPrimary.set(f.rel, ng);
      return 'copy';
    }
    return this.follow(g, f.rel);
  }

  /** a name already up to date at the destination */
  onUpToDate(n: HardLinkNote): LinkOrder | 'wait' | 'nothing' {
    const g = this.groups.get(n.key);
    if (!g) {
      this.groups.set(n.key, { primary: n.rel, state: 'done', dstIno: n.dstIno, waiters: [] });
      return 'nothing';
    }
    if (g.state === 'done' && g.dstIno !== undefined && g.dstIno === n.dstIno) return 'nothing';
    return this.follow(g, n.rel);
  }

  private follow(g: Group, rel: string): LinkOrder | 'wait' {
    if (g.state === 'done') return { existing: g.primary, rel };
    g.waiters.push(rel); // copying, or failed (then the waiters fail with it)
    return 'wait';
  }

  /** the primary landed or failed: returns the links now due, or the names that fail too */
  settle(rel: string, ok: boolean): { links: LinkOrder[]; failed: string[] } {
    const g = this.byPrimary.get(rel);
    if (!g) return { links: [], failed: [] };
    this.byPrimary.delete(rel);
    g.state = ok ? 'done' : 'failed';
    const waiters = g.waiters.splice(0);
    return ok ? { links: waiters.map((w) => ({ existing: g.primary, rel: w })), failed: [] } : { links: [], failed: waiters };
  }

  /** names still waiting for a primary that never settled */
  unsettled(): string[] {
    const out: string[] = [];
    for (const g of this.groups.values()) out.push(...g.waiters);
    return out;
  }
}
