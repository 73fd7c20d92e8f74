// A request's plan before it starts: its scans run dry over the two sides (engine/plan-walk),
// an archive source locates the files to copy, and core/transfer-plan estimates the tape
// work and the transfer. Nothing is stored and nothing is staged.
import { BargeError, toErrorRecord } from '../core/errors.js';
import type { PlanTape, RequestPlan } from '../core/request-types.js';
import type { SyncOptions } from '../core/sync-options.js';
import { estimateTransfer, type LocatedFile, type TapeSetup } from '../core/transfer-plan.js';
import { formatBytes } from '../core/units.js';
import { planWalk } from '../engine/plan-walk.js';
import { endpointBelow, openStorage, type EndpointDescription } from '../storage/registry.js';
import type { Stager } from '../storage/stager.js';
import type { Storage } from '../storage/storage.js';
import { onAgents } from './endpoint-listing.js';
import type { RemoteAgents } from './remote-agents.js';

/** bytes/s a plan reckons the transfer at unless told: a 1 Gbit/s link's worth */
export const DEFAULT_PLAN_RATE = 125e6;
/** errors a plan lists at most */
const SHOWN_ERRORS = 20;

export interface PlanSides {
  src: Storage;
  dst: Storage;
  /** "ENDPOINT:/path" of each, as the request names them */
  source: string;
  destination: string;
}

type Shown = RequestPlan['errors'][number];

/** `endpoint:rel` opened as the built-in agent opens it: by its kind, below the endpoint */
export function openSide(endpoints: ReadonlyMap<string, EndpointDescription>, name: string, rel: string): Storage {
  const e = endpoints.get(name);
  if (e === undefined) throw new BargeError('E_BAD_INPUT', `no endpoint named '${name}'`);
  return openStorage(endpointBelow(e, rel.replace(/^\/+/, '')));
}

/** the two sides of a checked spec, opened */
export function openSides(endpoints: ReadonlyMap<string, EndpointDescription>, sides: { src: { endpoint: { name: string }; rel: string }; dst: { endpoint: { name: string }; rel: string } }): PlanSides {
  const { src, dst } = sides;
  return {
    src: openSide(endpoints, src.endpoint.name, src.rel), dst: openSide(endpoints, dst.endpoint.name, dst.rel),
    source: `${src.endpoint.name}:${src.rel}`, destination: `${dst.endpoint.name}:${dst.rel}`,
  };
}

/**
 * The sides as live agents that serve them see them, over the data plane with read-only
 * grants (as `ls` without the built-in agent): an archive source is listed, not located.
 */
export function planOnAgents(agents: RemoteAgents, sides: { src: { endpoint: { name: string }; rel: string }; dst: { endpoint: { name: string }; rel: string } },
  opts: SyncOptions, o: { rate: number; nowNs: bigint; ca?: string | undefined }, here?: { endpoints: ReadonlyMap<string, EndpointDescription>; src: boolean; dst: boolean }): Promise<RequestPlan> {
  const { src, dst } = sides;
  // a side on this host (with the built-in agent) is opened here, the other asked of an agent that serves it
  const side = <T>(s: { endpoint: { name: string }; rel: string }, onThisHost: boolean, f: (storage: Storage, where: string) => Promise<T>): Promise<T> =>
    (onThisHost && here ? f(openSide(here.endpoints, s.endpoint.name, s.rel), `${s.endpoint.name}:${s.rel}`) : onAgents(agents, s.endpoint.name, s.rel, o.ca, f));
  return side(src, here?.src === true, (from, source) =>
    side(dst, here?.dst === true, (to, destination) => planRequest({ src: from, dst: to, source, destination }, opts, o)));
}

/** where each file lies on tape; a file the archive cannot place is an error of the plan */
async function locateAll(stager: Stager, files: readonly { path: string; size: number }[], errors: Shown[]): Promise<{ located: LocatedFile[]; unlocated: number }> {
  const located: LocatedFile[] = [];
  let unlocated = 0;
  const step = Math.max(1, stager.limits.batchSize) * 10;
  for (let i = 0; i < files.length; i += step) {
    for (const a of await stager.locate(files.slice(i, i + step).map((f) => f.path))) {
      if ('error' in a) {
        unlocated++;
        if (errors.length < SHOWN_ERRORS) errors.push({ path: a.path, code: a.error.code, message: a.error.message });
      } else {
        located.push({ path: a.path, size: a.size, volume: a.volume, position: a.position });
      }
    }
  }
  return { located, unlocated };
}

function note(rate: number, tape: boolean, costs: boolean): string {
  const parts = [`estimates: the transfer at ${formatBytes(rate)}/s`];
  if (tape && costs) parts.push("the tape time by the archive's configured drive costs, in tape order (volume, then position)");
  if (tape && !costs) parts.push('no tape time: the archive gives no drive costs');
  if (tape && costs) parts.push('the ETA with staging and shipping overlapping');
  return parts.join('; ');
}

export async function planRequest(sides: PlanSides, opts: SyncOptions, o: { rate: number; nowNs: bigint }): Promise<RequestPlan> {
  const walk = await planWalk(sides.src, sides.dst, opts, { nowNs: o.nowNs, names: { src: sides.source, dst: sides.destination }, keepErrors: SHOWN_ERRORS });
  const errors: Shown[] = walk.errors.map((e) => ({ path: e.path ?? '', code: e.code, message: e.message }));
  const stager = sides.src.stager;
  const costs = stager?.costModel?.();
  let tape: PlanTape | null = null;
  let estimate = estimateTransfer(walk.files, o.rate);
  if (stager !== undefined) {
    let found: { located: LocatedFile[]; unlocated: number };
    try {
      found = await locateAll(stager, walk.files, errors);
    } catch (e) {
      const r = toErrorRecord(e, '');
      errors.push({ path: r.path ?? '', code: r.code, message: `locating the files: ${r.message}` });
      found = { located: [], unlocated: walk.files.length };
    }
    const quota = stager.limits.quotaBytes;
    const setup: TapeSetup | undefined = costs === undefined ? undefined : { drives: stager.limits.drives, batchSize: stager.limits.batchSize, quotaBytes: quota, costs };
    const fits = found.located.filter((f) => f.size <= quota);
    for (const f of found.located) {
      if (f.size > quota && errors.length < SHOWN_ERRORS) {
        errors.push({ path: f.path, code: 'E_BUFFER_FULL', message: `${f.size} bytes is more than the buffer's quota (${quota}): it can never be staged` });
      }
    }
    if (setup !== undefined) estimate = estimateTransfer(walk.files, o.rate, { located: fits, setup });
    const t = estimate.tape;
    tape = {
      drives: stager.limits.drives, drivesUsed: t?.drivesUsed ?? 0, volumes: t?.volumes ?? new Set(fits.map((f) => f.volume)).size, mounts: t?.mounts ?? 0, sessions: t?.sessions ?? 0,
      mountSeconds: t === undefined ? 0 : t.robotSeconds + t.loadSeconds + t.unloadSeconds,
      locateSeconds: t?.locateSeconds ?? 0, readSeconds: t?.readSeconds ?? 0, stageSeconds: t?.elapsedSeconds ?? 0,
      unlocated: found.unlocated, tooLarge: found.located.length - fits.length,
      requestOrder: { mounts: t?.requestOrder.mounts ?? 0, stageSeconds: t?.requestOrder.elapsedSeconds ?? 0 },
    };
  }
  const c = walk.counters;
  return {
    source: sides.source, destination: sides.destination,
    files: { found: c.filesFound, toCopy: walk.files.length, upToDate: c.filesUpToDate, failed: c.failed },
    bytes: { found: c.bytesFound, toCopy: estimate.bytes },
    compareFirst: walk.compareFirst,
    tape,
    transfer: { rate: o.rate, seconds: estimate.transferSeconds },
    etaSeconds: estimate.etaSeconds,
    note: note(o.rate, stager !== undefined, costs !== undefined),
    errors,
  };
}
