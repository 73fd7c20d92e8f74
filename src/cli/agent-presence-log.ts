// `barge serve`'s line when an agent that enrolled with it goes silent past the lease
// timeout (lost: its tasks go back to the queue as their leases run out), and when it is
// heard from again. Joins and leaves are logged by the API routes that take them.
import type { LogSink } from '../core/log-sink.js';
import { secondsText } from '../core/retry-streak.js';

interface AgentSeen { id: string; coordinator: string; lastSeen: number }

export function watchAgentPresence(o: {
  agents(): Promise<AgentSeen[]>; coordinator: string; leaseMs: number; log: LogSink; now?: () => number;
}): () => void {
  const now = o.now ?? Date.now;
  const lost = new Set<string>();
  const check = async (): Promise<void> => {
    let all: AgentSeen[];
    try { all = await o.agents(); } catch { return; } // the database away: the coordinator's loops say so
    const t = now();
    const present = new Set<string>();
    for (const a of all) {
      if (a.coordinator !== o.coordinator) continue; // agents of another coordinator sharing the database are its to report
      present.add(a.id);
      const silent = t - a.lastSeen > o.leaseMs;
      if (silent && !lost.has(a.id)) {
        lost.add(a.id);
        o.log.warn({ agent: a.id, silentMs: t - a.lastSeen }, `agent ${a.id} lost: not heard from for ${secondsText(t - a.lastSeen)}; its tasks go back to the queue`);
      } else if (!silent && lost.delete(a.id)) {
        o.log.info({ agent: a.id }, `agent ${a.id} heard from again`);
      }
    }
    for (const id of [...lost]) if (!present.has(id)) lost.delete(id);
  };
  const timer = setInterval(() => { void check(); }, Math.max(1_000, Math.floor(o.leaseMs / 4)));
  timer.unref();
  return () => clearInterval(timer);
}
