// The commands that talk to a running coordinator: submit, watch, status, requests,
// cancel/pause/resume/retry, ls and endpoints. Each sets process.exitCode: 0 ok,
// 1 the server refused or the watched request failed, 2 bad usage.
import { Command, Option } from '../commander.js';
import { BargeError, isBargeError } from '../../core/errors.js';
import type { FilterRule } from '../../core/filter.js';
import { parseCount } from '../../core/units.js';
import { ApiClient, ServerError } from './api-client.js';
import { ACTIVE_STATES, FINAL_STATES, type RequestAction, type RequestState } from './api-types.js';
import { connectionFrom, DEFAULT_SERVER, type ConnectFlags } from './client-options.js';
import { endpointsTable, lsText, requestDetail, requestsTable } from './render.js';
import { buildSubmitBody, parseEndpointPath, type SubmitFlags } from './submit-body.js';
import { watchRequest } from './watch.js';

interface CommonFlags extends ConnectFlags {
  json?: boolean;
}

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const ALL_STATES: readonly RequestState[] = [...ACTIVE_STATES, ...FINAL_STATES];

function withCommon(cmd: Command): Command {
  return cmd
    .option('--server <url>', `the coordinator (default: $BARGE_SERVER, else ${DEFAULT_SERVER})`)
    .option('--token-file <file>', 'read the API token from FILE (default: $BARGE_TOKEN)')
    .option('--json', "print the server's answer as JSON on stdout");
}

/** Usage errors exit 2, the server's refusals and unreachable servers 1; anything else is a bug for main.ts. */
function exitCodeOf(e: unknown): number {
  if (!isBargeError(e)) throw e;
  process.stderr.write(`barge: ${e.message}\n`);
  return !(e instanceof ServerError) && (e.code === 'E_USAGE' || e.code === 'E_BAD_INPUT') ? EXIT_USAGE : EXIT_FAILED;
}

function run<A extends unknown[]>(action: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = await action(...args);
    } catch (e) {
      process.exitCode = exitCodeOf(e);
    }
  };
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

function registerSubmit(program: Command): void {
  // --include and --exclude share one list so that their command-line order is kept
  const rules: FilterRule[] = [];
  const collect = (kind: FilterRule['kind']) => (pattern: string): FilterRule[] => { rules.push({ kind, pattern }); return rules; };
  withCommon(program.command('submit')
    .description("ask the coordinator to make DST's contents equal SRC's; prints the request id")
    .argument('<SRC>', 'source, ENDPOINT:/path')
    .argument('<DST>', 'destination, ENDPOINT:/path')
    .option('-c, --checksum', 'compare content hashes of files of equal size, not size and mtime')
    .option('--size-only', 'compare sizes only')
    .option('--ignore-existing', 'skip files that already exist on DST, whatever their content')
    .option('--delete', 'delete from DST what SRC does not have (after the copy pass; never after errors)')
    .option('--max-delete <N>', 'with --delete: delete nothing if more than N entries would go')
    .option('--include <glob>', 'include paths matching GLOB (repeatable; the first matching rule wins)', collect('include'))
    .option('--exclude <glob>', 'exclude paths matching GLOB (repeatable; the first matching rule wins)', collect('exclude'))
    .option('--files-from <file>', "copy only the paths listed in FILE (read here), one per line, relative to SRC ('-' = stdin)")
    .option('--min-size <size>', 'only files of at least SIZE (e.g. 10K, 1.5M, 2G)')
    .option('--max-size <size>', 'only files of at most SIZE')
    .option('--min-age <age>', 'only files older than AGE (e.g. 30m, 12h, 7d)')
    .option('--max-age <age>', 'only files younger than AGE')
    .addOption(new Option('--hash <name>', "hash of every copied byte (default: the server's, xxh3)").choices(['xxh3', 'sha256', 'md5']))
    .option('--verify', 'read every written file back from DST and compare its hash with SRC')
    .option('--priority <N>', "1 (lowest) to 10 (default: the server's, 5)")
    .option('--id <id>', 'your own id for the request (1-128 of A-Z a-z 0-9 . _ -); submitting it twice is refused')
    .option('--watch', 'then watch the request until it ends (exit 1 if it fails)'))
    .action(run(async (src: string, dst: string, flags: SubmitFlags & CommonFlags & { watch?: boolean }) => {
      const body = buildSubmitBody(src, dst, { ...flags, filter: rules });
      const api = new ApiClient(connectionFrom(flags));
      const answer = await api.submit(body);
      if (!flags.watch) return flags.json ? printJson(answer) : print(answer.id);
      if (!flags.json) print(answer.id);
      return watchRequest(api, answer.id, { json: flags.json ?? false });
    }));
}

function registerQueries(program: Command): void {
  withCommon(program.command('watch')
    .description('show the progress of a request until it ends; exit 0 if it succeeded, 1 if it failed or was canceled')
    .argument('<ID>', 'request id'))
    .action(run(async (id: string, flags: CommonFlags) =>
      watchRequest(new ApiClient(connectionFrom(flags)), id, { json: flags.json ?? false })));

  withCommon(program.command('status')
    .description('one request in detail with its first errors; without ID, the active requests')
    .argument('[ID]', 'request id'))
    .action(run(async (id: string | undefined, flags: CommonFlags) => {
      const api = new ApiClient(connectionFrom(flags));
      if (id === undefined) {
        const items = await api.allRequests(ACTIVE_STATES);
        if (flags.json) return printJson({ items, total: items.length });
        if (items.length === 0) process.stderr.write('no active requests\n');
        return items.length === 0 ? 0 : print(requestsTable(items, new Date()));
      }
      const r = await api.request(id);
      if (flags.json) return printJson(r);
      return print(requestDetail(r, r.errorCount > 0 ? await api.errors(id, 10) : undefined, new Date()));
    }));

  withCommon(program.command('requests')
    .description('list requests, newest first')
    .option('--state <states>', `only these states, comma-separated or repeated (${ALL_STATES.join(', ')})`, (v: string, prev: string[] = []) => [...prev, v])
    .option('--limit <N>', 'at most N requests (default: the server\'s page size)')
    .option('--offset <N>', 'skip the N newest'))
    .action(run(async (flags: CommonFlags & { state?: string[]; limit?: string; offset?: string }) => {
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
    }));
}

const ACTIONS: Record<RequestAction, { done: string; help: string }> = {
  cancel: { done: 'canceled', help: 'stop a request: queued tasks are dropped, tasks in flight are told to stop' },
  pause: { done: 'paused', help: 'start no new task for a request; tasks in flight finish' },
  resume: { done: 'resumed', help: 'let a paused request go on' },
  retry: { done: 'retried', help: 'start a failed or canceled request again (what already landed is not copied again)' },
};

function registerActions(program: Command): void {
  for (const [action, { done, help }] of Object.entries(ACTIONS) as [RequestAction, typeof ACTIONS[RequestAction]][]) {
    withCommon(program.command(action).description(help).argument('<ID>', 'request id'))
      .action(run(async (id: string, flags: CommonFlags) => {
        const r = await new ApiClient(connectionFrom(flags)).act(id, action);
        return flags.json ? printJson(r) : print(`${r.id} ${done} (state: ${r.state})`);
      }));
  }
}

function registerEndpoints(program: Command): void {
  withCommon(program.command('ls')
    .description('list a directory of an endpoint, like ls -l')
    .argument('<ENDPOINT:/path>', "what to list; 'ENDPOINT' alone is its root"))
    .action(run(async (arg: string, flags: CommonFlags) => {
      const where = parseEndpointPath(arg.includes(':') ? arg : `${arg}:/`, 'ENDPOINT:/path');
      const listing = await new ApiClient(connectionFrom(flags)).ls(where.endpoint, where.path);
      return flags.json ? printJson(listing) : print(lsText(listing));
    }));

  withCommon(program.command('endpoints').description('list the endpoints the coordinator knows'))
    .action(run(async (flags: CommonFlags) => {
      const answer = await new ApiClient(connectionFrom(flags)).endpoints();
      return flags.json ? printJson(answer) : print(endpointsTable(answer.items));
    }));
}

export function registerClientCommands(program: Command): void {
  registerSubmit(program);
  registerQueries(program);
  registerActions(program);
  registerEndpoints(program);
}
