// The commands that talk to a running coordinator: submit, watch, status, requests,
// cancel/pause/resume/retry, ls, endpoints and agents. Each sets process.exitCode: 0 ok,
// 1 the server refused or the watched request failed, 2 bad usage. What they do is in
// client-actions.ts, loaded when one runs.
import { Command, Option } from '../commander.js';
import type { FilterRule } from '../../core/filter.js';
import { ALL_STATES, type RequestAction } from './api-types.js';
import type * as Actions from './client-actions.js';
import { DEFAULT_SERVER } from './client-options.js';

function withCommon(cmd: Command): Command {
  return cmd
    .option('--server <url>', `the coordinator (default: $BARGE_SERVER, else ${DEFAULT_SERVER})`)
    .option('--token-file <file>', 'read the API token from FILE (default: $BARGE_TOKEN)')
    .option('--tls-ca <file>', 'trust the CA in FILE (PEM) for an https:// server (default: $BARGE_CA, else the system CAs)')
    .option('--json', "print the server's answer as JSON on stdout");
}

function run<A extends unknown[]>(action: (actions: typeof Actions, ...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const actions = await import('./client-actions.js');
    try {
      process.exitCode = await action(actions, ...args);
    } catch (e) {
      process.exitCode = actions.exitCodeOf(e);
    }
  };
}

/** the sync options of a request, shared by submit and plan; --include and --exclude go to `collect` in their order */
function withRequestOptions(cmd: Command, collect: (kind: FilterRule['kind']) => (pattern: string) => FilterRule[], side = 'ENDPOINT:/path'): Command {
  return cmd
    .argument('<SRC>', `source, ${side}`)
    .argument('<DST>', `destination, ${side}`)
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
    .option('-A, --acls', 'keep POSIX ACLs (access and default)')
    .option('-X, --xattrs', 'keep extended attributes (user.*; security.* and trusted.* where the agents run as root)')
    .option('--keep-cache', "the agents leave the bytes they read from SRC in the page cache (by default they are dropped behind the copy)")
    .option('--keep-partial', 'if the request is canceled, keep the partial files of large files for a retry to resume (by default the agents remove them)')
    .option('--priority <N>', "1 (lowest) to 10 (default: the server's, 5)")
    .option('--deadline <when>', "fail the request if it has not finished by then: a time (2027-01-31T18:00:00Z) or a span from now (6h, 2d); it also ends any wait for an agent (default: none; the server's agent_wait bounds such waits)");
}

/** --include and --exclude share one list so that their command-line order is kept */
function ruleList(): { rules: FilterRule[]; collect: (kind: FilterRule['kind']) => (pattern: string) => FilterRule[] } {
  const rules: FilterRule[] = [];
  return { rules, collect: (kind) => (pattern) => { rules.push({ kind, pattern }); return rules; } };
}

function registerSubmit(program: Command): void {
  const { rules, collect } = ruleList();
  withCommon(withRequestOptions(program.command('submit')
    .description("ask the coordinator to make DST's contents equal SRC's; prints the request id"), collect)
    .option('--id <id>', 'your own id for the request (1-128 of A-Z a-z 0-9 . _ -); submitting it twice is refused')
    .option('--watch', 'then watch the request until it ends (exit 1 if it fails)'))
    .action(run((a, src: string, dst: string, flags: Parameters<typeof Actions.submit>[2]) => a.submit(src, dst, flags, rules)));
}

function registerPlan(program: Command): void {
  const { rules, collect } = ruleList();
  withCommon(withRequestOptions(program.command('plan')
    .description('before anything starts: the files and bytes SRC -> DST would copy, for an archive source the volumes to mount, and estimates of the mount, locate, read and transfer times and the ETA; ' +
      'asks the coordinator (ENDPOINT:/path), or plans here between two local directories; nothing is copied or queued'), collect,
    'ENDPOINT:/path, or a local directory (both sides alike)')
    .option('--rate <rate>', 'reckon the transfer at RATE per second (e.g. 400MB, 1GB; default: plan_rate of the coordinator, else 125MB, a 1 Gbit/s link)'))
    .action(run((a, src: string, dst: string, flags: Parameters<typeof Actions.plan>[2]) => a.plan(src, dst, flags, rules)));
}

function registerQueries(program: Command): void {
  withCommon(program.command('watch')
    .description('show the progress of a request until it ends; exit 0 if it succeeded, 1 if it failed or was canceled')
    .argument('<ID>', 'request id'))
    .action(run((a, id: string, flags: Actions.CommonFlags) => a.watch(id, flags)));

  withCommon(program.command('status')
    .description('one request in detail with its first errors and its history (who submitted it and took each action); without ID, the active requests')
    .argument('[ID]', 'request id'))
    .action(run((a, id: string | undefined, flags: Actions.CommonFlags) => a.status(id, flags)));

  withCommon(program.command('requests')
    .description('list requests, newest first')
    .option('--state <states>', `only these states, comma-separated or repeated (${ALL_STATES.join(', ')})`, (v: string, prev: string[] = []) => [...prev, v])
    .option('--limit <N>', 'at most N requests (default: the server\'s page size)')
    .option('--offset <N>', 'skip the N newest'))
    .action(run((a, flags: Parameters<typeof Actions.requests>[0]) => a.requests(flags)));
}

const ACTIONS: Record<RequestAction, { done: string; help: string }> = {
  cancel: { done: 'canceled', help: 'stop a request: queued tasks are dropped, tasks in flight are told to stop, partial files of large files are removed' },
  pause: { done: 'paused', help: 'start no new task for a request; tasks in flight finish' },
  resume: { done: 'resumed', help: 'let a paused request go on' },
  retry: { done: 'retried', help: 'start a failed or canceled request again (what already landed is not copied again)' },
};

function registerActions(program: Command): void {
  for (const [action, { done, help }] of Object.entries(ACTIONS) as [RequestAction, typeof ACTIONS[RequestAction]][]) {
    const cmd = program.command(action).description(help).argument('<ID>', 'request id');
    if (action === 'cancel') cmd.option('--keep-partial', 'keep the partial files of large files for a retry to resume (by default the agents remove them, unless submitted with --keep-partial)');
    withCommon(cmd).action(run((a, id: string, flags: Actions.CommonFlags & { keepPartial?: boolean }) => a.act(id, action, done, flags)));
  }
  withCommon(program.command('priority')
    .description('change the priority of an open request: agents are shared by priority from the next lease')
    .argument('<ID>', 'request id').argument('<N>', '1 (lowest) to 10'))
    .action(run((a, id: string, value: string, flags: Actions.CommonFlags) => a.priority(id, value, flags)));
}

function registerEndpoints(program: Command): void {
  withCommon(program.command('ls')
    .description('list a directory of an endpoint, like ls -l')
    .argument('<ENDPOINT:/path>', "what to list; 'ENDPOINT' alone is its root"))
    .action(run((a, arg: string, flags: Actions.CommonFlags) => a.ls(arg, flags)));

  withCommon(program.command('endpoints').description('list the endpoints the coordinator knows'))
    .action(run((a, flags: Actions.CommonFlags) => a.endpoints(flags)));

  withCommon(program.command('agents').description('list the agents the coordinator knows: alive or lost, when last heard from, their slots, endpoints and data address'))
    .action(run((a, flags: Actions.CommonFlags) => a.agents(flags)));
}

export function registerClientCommands(program: Command): void {
  registerSubmit(program);
  registerPlan(program);
  registerQueries(program);
  registerActions(program);
  registerEndpoints(program);
}
