// Where a request's tasks run. An agent that reaches both endpoints copies locally, and
// while one is alive no other agent takes the request; otherwise agents that reach the
// source read and push to an agent that reaches the destination, chosen in turn so that
// a large file's chunks spread over all of them; each source agent starts its turn at
// another destination, so that the tasks the sources run first go to different ones.

export interface PlacedAgent {
  id: string;
  name: string;
  endpoints: readonly string[];
  /** where its data plane listens ("host:port"); undefined: it cannot receive pushes */
  dataAddress: string | undefined;
  /** its data plane speaks TLS */
  dataTls?: boolean;
}

export interface RequestEnds {
  id: string;
  src: string;
  dst: string;
}

export type Placement = { mode: 'local' } | { mode: 'push'; to: PlacedAgent[] };

/** how `agent` may take part in each request, for the requests it may lease at all */
export function placementsFor(agent: PlacedAgent, requests: readonly RequestEnds[], live: readonly PlacedAgent[]): Map<string, Placement> {
  const out = new Map<string, Placement>();
  for (const r of requests) {
    const p = placementOf(agent, r, live);
    if (p) out.set(r.id, p);
  }
  return out;
}

function serves(a: PlacedAgent, endpoint: string): boolean {
  return a.endpoints.includes(endpoint);
}

export function placementOf(agent: PlacedAgent, r: RequestEnds, live: readonly PlacedAgent[]): Placement | undefined {
  if (serves(agent, r.src) && serves(agent, r.dst)) return { mode: 'local' };
  if (live.some((a) => serves(a, r.src) && serves(a, r.dst))) return undefined;
  if (!serves(agent, r.src)) return undefined;
  const to = live.filter((a) => a.id !== agent.id && a.dataAddress !== undefined && serves(a, r.dst));
  return to.length > 0 ? { mode: 'push', to } : undefined;
}

/** why no live agent can run a request, or undefined when one can */
export function unplaceable(r: RequestEnds, live: readonly PlacedAgent[]): string | undefined {
  if (live.some((a) => serves(a, r.src) && serves(a, r.dst))) return undefined;
  const readers = live.filter((a) => serves(a, r.src));
  if (readers.length === 0) return `no live agent reaches the source endpoint '${r.src}'`;
  const writers = live.filter((a) => serves(a, r.dst) && a.dataAddress !== undefined);
  if (writers.length === 0) return `no live agent with a data address reaches the destination endpoint '${r.dst}'`;
  if (!readers.some((a) => writers.some((w) => w.id !== a.id))) return `no agent can push from '${r.src}' to '${r.dst}'`;
  return undefined;
}

/** the next destination agent in turn for one key (a request, or a request and its source agent) */
export class RoundRobin {
  private readonly next = new Map<string, number>();

  /** `start`: where a key's turn begins */
  pick<T>(key: string, options: readonly T[], start = 0): T {
    return this.order(key, options, start)[0] as T;
  }

  /** all the options, the one whose turn it is first, and the turn moves on by one */
  order<T>(key: string, options: readonly T[], start = 0): T[] {
    const i = (this.next.get(key) ?? start) % options.length;
    this.next.set(key, i + 1);
    return [...options.slice(i), ...options.slice(0, i)];
  }
}
