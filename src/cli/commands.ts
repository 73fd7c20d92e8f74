// The barge command line (commander), loaded by main.ts; the one place that wires engines together.
import { BARGE_VERSION } from './barge-version.js';
import { Command, CommanderError, Option } from './commander.js';
import { ERROR_CODES, isBargeError } from '../core/errors.js';
import type { FilterRule } from '../core/filter.js';
import { collectRule, defaultTransfers, parseStreams, parseSyncFlags, type SyncFlags } from './parse-sync-flags.js';
import { isBargeUrl } from './barge-url.js';
import { registerClientCommands } from './client/client-commands.js';
import type { ConfigFlags } from '../config/service-config.js';
import type { AgentFlags } from './agent-command.js';
import { EXIT_USAGE, syncCommand, type RemoteFlags } from './sync-command.js';


interface CommonFlags {
  verbose?: boolean;
  quiet?: boolean;
  json?: boolean;
  logFormat?: string;
  progress?: boolean;
}

/** --log-format FORMAT anywhere on the line */
const formatFlag = process.argv.reduce<string | undefined>((f, a, i) => (a.startsWith('--log-format=') ? a.slice('--log-format='.length)
  : a === '--log-format' ? process.argv[i + 1] : f), undefined);
/** `barge serve` and `barge agent` log JSON off a terminal (service-log.ts): their last error line is one of those lines */
const serviceCommand = process.argv[2] === 'serve' || process.argv[2] === 'agent';
const serviceFormat = formatFlag ?? (process.env.BARGE_LOG_FORMAT || (process.stderr.isTTY ? 'human' : 'json'));
/** JSON logs asked for (or, for serve and agent, the default): usage errors too are JSON lines then */
const jsonLogs = formatFlag === 'json' || (serviceCommand && serviceFormat === 'json');

/** one error line on stderr: plain, or a JSON line shaped as pino's (level 50 = error) */
function errorOut(message: string, code: string): void {
  if (jsonLogs) {
    process.stderr.write(JSON.stringify({ level: 50, time: new Date().toISOString(), app: 'barge', ...(serviceCommand ? { cmd: process.argv[2] } : {}), code, msg: message }) + '\n');
  }
  else process.stderr.write(`barge: ${message}\n`);
}

function fail(message: string, code: number, errorCode = code === EXIT_USAGE ? 'E_USAGE' : 'E_INTERNAL'): never {
  errorOut(message, errorCode);
  process.exit(code);
}

// --include and --exclude share one list so that their command-line order is kept
const filterRules: FilterRule[] = [];

const program = new Command('barge')
  .description('Moves large trees of files between storage systems, fast and verifiably.')
  .version(BARGE_VERSION)
  .exitOverride()
  .configureOutput({
    writeErr: (s) => {
      if (!jsonLogs) process.stderr.write(s.startsWith('error:') ? `barge: ${s}` : s);
      else if (s.startsWith('error:')) errorOut(s.slice('error:'.length).trim(), 'E_USAGE');
    },
  })
  .showHelpAfterError('(run barge --help for usage)');

program.command('sync')
  .description("make DST's contents equal SRC's contents (SRC's contents, not SRC itself, whatever the trailing slash)")
  .argument('<SRC>', 'source directory')
  .argument('<DST>', 'destination directory (created if missing)')
  .option('-c, --checksum', 'compare content hashes of files of equal size, not size and mtime')
  .option('--size-only', 'compare sizes only')
  .option('--ignore-existing', 'skip files that already exist on DST, whatever their content')
  .option('--delete', 'delete from DST what SRC does not have (after the copy pass; never after errors)')
  .option('--max-delete <N>', 'with --delete: delete nothing if more than N entries would go')
  .option('-H, --hard-links', 'keep hard links as hard links')
  .option('-A, --acls', 'keep POSIX ACLs (access and default)')
  .option('-X, --xattrs', 'keep extended attributes (user.*, security.*, and trusted.* as root)')
  .option('-S, --sparse', 'keep holes: blocks of zeros are not written')
  .option('--no-owner', 'do not set owner and group (they are kept by default when run as root)')
  .option('--include <glob>', 'include paths matching GLOB (repeatable; the first matching rule wins)', collectRule(filterRules, 'include'))
  .option('--exclude <glob>', 'exclude paths matching GLOB (repeatable; the first matching rule wins)', collectRule(filterRules, 'exclude'))
  .option('--files-from <file>', "copy only the paths listed in FILE, one per line, relative to SRC ('-' = stdin)")
  .option('--min-size <size>', 'only files of at least SIZE (e.g. 10K, 1.5M, 2G)')
  .option('--max-size <size>', 'only files of at most SIZE')
  .option('--min-age <age>', 'only files older than AGE (e.g. 30m, 12h, 7d, 3M, 1y; m minutes, M months)')
  .option('--max-age <age>', 'only files younger than AGE')
  .option('-n, --dry-run', 'print what would change, one line per action, and change nothing')
  .addOption(new Option('--hash <name>', 'hash of every copied byte').choices(['xxh3', 'sha256', 'md5']).default('xxh3'))
  .option('--verify', 'read every written file back from DST and compare its hash with SRC')
  .option('--fsync', "flush each file's data to disk before it gets its final name (slower; survives a power cut)")
  .option('--keep-cache', "leave the bytes read from SRC (and, with --checksum, from DST) in the page cache (by default they are dropped behind the copy)")
  .option('--transfers <N>', `files or chunks copied at once (default ${defaultTransfers()}: the number of cores, 2 to 16)`)
  .option('--bwlimit <rate>', 'cap the transfer rate per second: a bare number is KiB, as with rsync (e.g. 500, 200M, 1.5G, 512B; 0 = no limit)')
  .option('--chunk-cutoff <size>', 'files of at least SIZE are copied in chunks that an interrupted run resumes from', '256M')
  .option('--chunk-size <size>', 'chunk size of large files', '64M')
  .option('--streams <N>', 'barge:// destinations: TCP streams to the agent, each sending files or chunks (default: --transfers, at least 4)')
  .option('--token-file <file>', "barge:// destinations: read the agent's token from FILE (default: env BARGE_TOKEN)")
  .option('--tls', 'barge:// destinations: speak TLS to the agent, trusting the CA in env BARGE_CA, else the system CAs')
  .option('--tls-ca <file>', "barge:// destinations: speak TLS to the agent, trusting the CA in FILE (PEM)")
  .option('-v, --verbose', 'print each action, one line each')
  .option('-q, --quiet', 'print nothing but errors')
  .option('--json', 'print the summary as JSON on stdout')
  .addOption(new Option('--log-format <format>', 'errors, notices and summary on stderr as').choices(['human', 'json']).default('human'))
  .option('--progress', 'show the live progress line even when stderr is not a terminal')
  .option('--no-progress', 'never show the live progress line')
  .action(async (src: string, dst: string, flags: SyncFlags & CommonFlags & RemoteFlags & { streams?: string }) => {
    const opts = parseSyncFlags({ ...flags, filter: filterRules }, typeof process.getuid === 'function' && process.getuid() === 0);
    opts.chunksPerFile = parseStreams(flags.streams, isBargeUrl(dst), opts.transfers);
    process.exitCode = await syncCommand(src, dst, opts, {
      verbose: flags.verbose ?? false,
      quiet: flags.quiet ?? false,
      json: flags.json ?? false,
      logFormat: flags.logFormat === 'json' ? 'json' : 'human',
      progress: flags.progress,
    }, { ...(flags.tokenFile === undefined ? {} : { tokenFile: flags.tokenFile }), ...(flags.tls === undefined ? {} : { tls: flags.tls }),
      ...(flags.tlsCa === undefined ? {} : { tlsCa: flags.tlsCa }) });
  });

type ServeFlags = ConfigFlags & { config?: string; logFormat?: string };
const LOG_FORMAT_HELP = 'log lines on stderr as human (time, level, message, fields) or json (one object a line); default: human on a terminal, else json (env BARGE_LOG_FORMAT)';

program.command('serve')
  .description('run the coordinator: keeps transfer requests in a database, runs them, serves the HTTP API and metrics')
  .option('--config <file>', 'TOML configuration: endpoints, sites, tokens (docs/config.md)')
  .option('--db <url>', 'postgres://… (several coordinators may share it), sqlite:PATH or a path, or "memory" (default: SQLite in the state folder; env BARGE_DB)')
  .option('--listen <host:port>', 'address of the HTTP API (default 127.0.0.1:7700; env BARGE_LISTEN)')
  .option('--state-dir <dir>', 'folder of the SQLite database (default $XDG_STATE_HOME/barge or ~/.local/state/barge; env BARGE_STATE_DIR)')
  .option('--name <name>', 'name of this coordinator (default: the host name); its built-in agent is NAME/local')
  .option('--no-local-agent', 'run no built-in agent: leave all work to agents')
  .option('--transfers <N>', 'tasks the built-in agent runs at once (default: the number of cores, 2 to 16)')
  .option('--lease-timeout <duration>', 'a task whose agent is silent this long goes back to the queue (default 30s)')
  .option('--agent-wait <duration>', 'a request no live agent can run fails after waiting this long, unless its deadline says otherwise (default 24h)')
  .option('--agent-prune <duration>', 'an agent lost (not heard from past the lease timeout) for longer than this leaves the agents table, unless it holds leases (default 7d)')
  .option('--no-auth', 'serve the API without tokens (only on a loopback address)')
  .option('--tls-cert <file>', 'PEM certificate (chain): the API speaks HTTPS (with --tls-key; env BARGE_TLS_CERT; config [tls] cert)')
  .option('--tls-key <file>', 'PEM private key of --tls-cert (env BARGE_TLS_KEY; config [tls] key)')
  .option('--tls-ca <file>', 'PEM CA trusted for agents whose data plane speaks TLS, when listing endpoints on them (default: the system CAs; env BARGE_TLS_CA; config [tls] ca)')
  .option('--inbox <dir>', 'a drop folder of request files (JSON or TOML): each is submitted, then moved to accepted/ or quarantine/ (env BARGE_INBOX; config [inbox] path)')
  .addOption(new Option('--log-format <format>', LOG_FORMAT_HELP).choices(['human', 'json']))
  .action(async (flags: ServeFlags, cmd: Command) => {
    const given = (k: keyof ServeFlags): boolean => cmd.getOptionValueSource(k) === 'cli';
    // loaded here, not at the top: the service's modules (fastify, kysely, pg, SQLite)
    // take most of a second to load, which every `barge sync` would pay
    const { serveCommand } = await import('./serve-command.js');
    await serveCommand(flags.config, flags.logFormat, {
      ...(flags.db !== undefined ? { db: flags.db } : {}),
      ...(flags.listen !== undefined ? { listen: flags.listen } : {}),
      ...(flags.stateDir !== undefined ? { stateDir: flags.stateDir } : {}),
      ...(flags.name !== undefined ? { name: flags.name } : {}),
      ...(flags.transfers !== undefined ? { transfers: flags.transfers } : {}),
      ...(flags.leaseTimeout !== undefined ? { leaseTimeout: flags.leaseTimeout } : {}),
      ...(flags.agentWait !== undefined ? { agentWait: flags.agentWait } : {}),
      ...(flags.agentPrune !== undefined ? { agentPrune: flags.agentPrune } : {}),
      ...(given('localAgent') ? { localAgent: flags.localAgent ?? true } : {}),
      ...(given('auth') ? { auth: flags.auth ?? true } : {}),
      ...(flags.tlsCert !== undefined ? { tlsCert: flags.tlsCert } : {}),
      ...(flags.tlsKey !== undefined ? { tlsKey: flags.tlsKey } : {}),
      ...(flags.tlsCa !== undefined ? { tlsCa: flags.tlsCa } : {}),
      ...(flags.inbox !== undefined ? { inbox: flags.inbox } : {}),
    });
  });

program.command('agent')
  .description('serve endpoints of this host on the data plane; without --coordinator, a lone agent that clients holding its token push to')
  .option('--coordinator <url>', 'lease work from the coordinator at URL (its token needs role "agent"); without it, a lone agent')
  .option('--advertise <host:port>', 'with --coordinator: the address other agents push to (default: --data-listen, or the host name for 0.0.0.0)')
  .option('--transfers <N>', 'with --coordinator: worker threads that run tasks (default: the number of cores, 2 to 16)')
  .option('--token-file <file>', 'lone: the token clients must prove they hold; with --coordinator: the agent token for the API (default: env BARGE_TOKEN)')
  .option('--site <name>', 'the site this agent is at')
  .option('--name <name>', 'name of this agent (default: the host name)')
  .option('--endpoint <NAME=/path[:rw]>', 'serve directory /path as endpoint NAME, read-only unless :rw (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--data-listen <host:port>', 'address of the data plane (default 0.0.0.0:7701; port 0 picks a free one)')
  .option('--tls-cert <file>', 'PEM certificate: the data plane speaks TLS')
  .option('--tls-key <file>', 'PEM private key of --tls-cert')
  .option('--tls-ca <file>', 'with --coordinator: trust the CA in FILE (PEM) for an https:// coordinator and for agents whose data plane speaks TLS (default: env BARGE_CA, else the system CAs)')
  .option('--metrics-listen <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics, without a token (default: none)')
  .addOption(new Option('--log-format <format>', LOG_FORMAT_HELP).choices(['human', 'json']))
  .action(async (flags: AgentFlags) => {
    const { agentCommand } = await import('./agent-command.js');
    await agentCommand(flags);
  });

registerClientCommands(program);

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
      process.exit(EXIT_USAGE);
    }
    if (isBargeError(e)) {
      const exit = ERROR_CODES[e.code].exitCode;
      // what is the user's to fix is told as commander tells a bad flag, without a code
      fail(exit === EXIT_USAGE || jsonLogs ? e.message : `${e.code}: ${e.message}`, exit, e.code);
    }
    fail(`internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`, 1);
  }
}

await main();
