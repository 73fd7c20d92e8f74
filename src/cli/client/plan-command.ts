// `barge plan SRC DST`: the coordinator's plan of a request (POST /api/requests?dryRun=1)
// when SRC and DST are ENDPOINT:/path, or a plan made here when both are local directories.
// Either way nothing is copied, staged or queued.
import * as path from 'node:path';
import { BargeError } from '../../core/errors.js';
import type { FilterRule } from '../../core/filter.js';
import type { RequestPlan } from '../../core/request-types.js';
import { parseSize } from '../../core/units.js';
import { ApiClient } from './api-client.js';
import { connectionFrom, type ConnectFlags } from './client-options.js';
import { planText } from './render-plan.js';
import { buildSubmitBody, type SubmitFlags } from './submit-body.js';

export type PlanFlags = SubmitFlags & ConnectFlags & { json?: boolean; rate?: string };

/** ENDPOINT:/path, as the coordinator names its sides; anything else is a directory here */
const ENDPOINT_ARG = /^[A-Za-z0-9._-]+:/;

function rateOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = parseSize(text.replace(/\/s\s*$/i, ''), '--rate');
  if (!(n >= 1)) throw new BargeError('E_USAGE', `bad --rate '${text}': must be at least 1 byte per second`);
  return n;
}

async function localPlan(src: string, dst: string, flags: PlanFlags, rules: FilterRule[], rate: number | undefined): Promise<RequestPlan> {
  // the engine's modules load only for a plan made here: the other client commands do not pay for them
  const [{ DEFAULT_PLAN_RATE, planRequest }, { syncOptionsOf }, { posixEndpoint }, { openStorage }, { checkRoots }] = await Promise.all([
    import('../../coordinator/plan-request.js'), import('../../coordinator/spec-options.js'), import('../../storage/posix/posix-kind.js'),
    import('../../storage/registry.js'), import('../check-roots.js'),
  ]);
  const roots = checkRoots(src, dst);
  // the options as the coordinator would take them, on two stand-in sides
  const spec = buildSubmitBody('local:/', 'local:/', { ...flags, filter: rules });
  const opts = syncOptionsOf(spec, { transfers: 1, asRoot: typeof process.getuid === 'function' && process.getuid() === 0 });
  return planRequest({
    src: openStorage(posixEndpoint(roots.src)), dst: openStorage(posixEndpoint(roots.dst)),
    source: path.resolve(src), destination: path.resolve(dst),
  }, opts, { rate: rate ?? DEFAULT_PLAN_RATE, nowNs: BigInt(Date.now()) * 1_000_000n });
}

export async function plan(src: string, dst: string, flags: PlanFlags, rules: FilterRule[]): Promise<number> {
  const rate = rateOf(flags.rate);
  const remote = [src, dst].map((a) => ENDPOINT_ARG.test(a));
  if (remote[0] !== remote[1]) throw new BargeError('E_USAGE', 'SRC and DST must both be ENDPOINT:/path (a plan by the coordinator) or both local directories (a plan made here)');
  let answer: RequestPlan;
  if (remote[0]) {
    const body = buildSubmitBody(src, dst, { ...flags, filter: rules });
    answer = await new ApiClient(connectionFrom(flags)).plan(body, rate);
  } else {
    answer = await localPlan(src, dst, flags, rules, rate);
  }
  process.stdout.write((flags.json ? JSON.stringify(answer, null, 2) : planText(answer)) + '\n');
  return 0;
}
