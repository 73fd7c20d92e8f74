// What the coordinator's client commands do once parsed (client-commands.ts registers
// them): loaded only when one of them runs, so that `barge sync` does not pay for it.
import { BargeError, ERROR_CODES, isBargeError } from '../../core/errors.js';
import type { FilterRule } from '../../core/filter.js';
import { parseCount } from '../../core/units.js';
import { ApiClient, ServerError } from './api-client.js';
import { ACTIVE_STATES, ALL_STATES, type RequestAction, type RequestState } from './api-types.js';
import { connectionFrom, type ConnectFlags } from './client-options.js';
import { endpointsTable, lsText, requestDetail, requestsTable } from './render.js';
import { agentsTable, auditLines } from './render-agents.js';
import { buildSubmitBody, parseEndpointPath, parsePriority, type SubmitFlags } from './submit-body.js';
import { watchRequest } from './watch.js';

export { plan } from './plan-command.js';

export interface CommonFlags extends ConnectFlags {
  json?: boolean;
}

const EXIT_FAILED = 1;
/** audit entries `barge status ID` shows (a request's history is short; the API pages the rest) */
const AUDIT_SHOWN = 100;

/** Usage errors exit 2, the server's refusals and unreachable servers 1; anything else is a bug for main.ts. */
export function exitCodeOf(e: unknown): number {
  if (!isBargeError(e)) throw e;
  process.stderr.write(`barge: ${e.message}\n`);
  // a refusal by the server is 1 whatever its code: the command line itself was fine
  return e instanceof ServerError ? EXIT_FAILED : ERROR_CODES[e.code].exitCode;
}

function printJson(value: unknown): number {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  return 0;
}

function print(text: string): number {
  if (text !== '') process.stdout.write(text + '\n');
  return 0;
}

function parseStates(values: string[] | undefined): RequestState[] {
  const states = (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  for (const s of states) {
    if (!ALL_STATES.includes(s as RequestState)) throw new BargeError('E_USAGE', `bad --state '${s}': choose from ${ALL_STATES.join(', ')}`);
  }
  return states as RequestState[];
}

export async function submit(src: string, dst: string, flags: SubmitFlags & CommonFlags & { watch?: boolean }, rules: FilterRule[]): Promise<number> {
  const body = buildSubmitBody(src, dst, { ...flags, filter: rules });
  const api = new ApiClient(connectionFrom(flags));
  const answer = await api.submit(body);
  if (!flags.watch) return flags.json ? printJson(answer) : print(answer.id);
  if (!flags.json) print(answer.id);
  return watchRequest(api, answer.id, { json: flags.json ?? false });
}

export function watch(id: string, flags: CommonFlags): Promise<number> {
  return watchRequest(new ApiClient(connectionFrom(flags)), id, { json: flags.json ?? false });
}

export async function status(id: string | undefined, flags: CommonFlags): Promise<number> {
  const api = new ApiClient(connectionFrom(flags));
  if (id === undefined) {
    const items = await api.allRequests(ACTIVE_STATES);
    if (flags.json) return printJson({ items, total: items.length });
    if (items.length === 0) process.stderr.write('no active requests\n');
    return items.length === 0 ? 0 : print(requestsTable(items, new Date()));
  }
  const r = await api.request(id);
  const audit = await api.audit(id, AUDIT_SHOWN);
  if (flags.json) return printJson({ ...r, audit: audit.items });
  const detail = requestDetail(r, r.errorCount > 0 ? await api.errors(id, 10) : undefined, new Date());
  const history = auditLines(audit);
  return print(history.length === 0 ? detail : [detail, 'history:', ...history].join('\n'));
}

export async function requests(flags: CommonFlags & { state?: string[]; limit?: string; offset?: string }): Promise<number> {
  const states = parseStates(flags.state);
  const limit = flags.limit === undefined ? undefined : parseCount(flags.limit, '--limit', 1);
  const offset = flags.offset === undefined ? undefined : parseCount(flags.offset, '--offset');
  const page = await new ApiClient(connectionFrom(flags)).requests({ states, limit, offset });
  if (flags.json) return printJson(page);
  if (page.items.length === 0) process.stderr.write('no requests\n');
  else print(requestsTable(page.items, new Date()));
  const shown = (offset ?? 0) + page.items.length;
  if (page.nextOffset !== null && shown < page.total) process.stderr.write(`(${shown} of ${page.total}; --offset ${page.nextOffset} for more)\n`);
  return 0;
}

export async function act(id: string, action: RequestAction, done: string, flags: CommonFlags & { keepPartial?: boolean }): Promise<number> {
  const r = await new ApiClient(connectionFrom(flags)).act(id, action, flags.keepPartial ? { keepPartial: true } : undefined);
  return flags.json ? printJson(r) : print(`${r.id} ${done} (state: ${r.state})`);
}

export async function priority(id: string, value: string, flags: CommonFlags): Promise<number> {
  const r = await new ApiClient(connectionFrom(flags)).setPriority(id, parsePriority(value));
  return flags.json ? printJson(r) : print(`${r.id} priority ${r.priority} (state: ${r.state})`);
}

export async function ls(arg: string, flags: CommonFlags): Promise<number> {
  const where = parseEndpointPath(arg.includes(':') ? arg : `${arg}:/`, 'ENDPOINT:/path');
  const listing = await new ApiClient(connectionFrom(flags)).ls(where.endpoint, where.path);
  return flags.json ? printJson(listing) : print(lsText(listing));
}

export async function agents(flags: CommonFlags): Promise<number> {
  const answer = await new ApiClient(connectionFrom(flags)).agents();
  if (flags.json) return printJson(answer);
  if (answer.items.length === 0) process.stderr.write('no agents\n');
  return answer.items.length === 0 ? 0 : print(agentsTable(answer.items, new Date()));
}

export async function endpoints(flags: CommonFlags): Promise<number> {
  const answer = await new ApiClient(connectionFrom(flags)).endpoints();
  return flags.json ? printJson(answer) : print(endpointsTable(answer.items));
}
