// `barge watch ID`: polls one request until it ends, with a live line on a terminal (a
// line per state change otherwise), then a summary; rides out a coordinator restart.
import { ERROR_CODES, isBargeError } from '../../core/errors.js';
import { Backoff } from '../../core/backoff.js';
import { ApiClient, ServerError } from './api-client.js';
import { FINAL_STATES, type RequestView } from './api-types.js';
import { errorLines, progressText, summaryLine } from './render.js';
import { RequestAnnouncements } from './request-announcements.js';

const POLL_MS = 250;
/** while the coordinator announces changes, a poll is only the safety net */
const ANNOUNCED_POLL_MS = 2000;
/** how long the coordinator may stay unreachable (a restart, say) before watch gives up */
const GIVE_UP_MS = 5 * 60_000;
/** while it is unreachable, ask less often: from the poll interval, doubling to this, ±20% */
const UNREACHABLE_MAX_MS = 10_000;
const EXIT_INTERRUPTED = ERROR_CODES.E_INTERRUPTED.exitCode;

export interface WatchOptions {
  json: boolean;
  pollMs?: number;
}

/** A connection failure or a 5xx may pass (the coordinator restarting); a 4xx will not. */
function isTransient(e: unknown): boolean {
  if (e instanceof ServerError) return e.status >= 500;
  return isBargeError(e) && e.code === 'E_IO';
}

class StatusLine {
  private drawn = false;
  private lastState = '';
  constructor(private readonly tty: boolean) {}

  show(text: string, state: string): void {
    if (this.tty) {
      const width = Math.max(20, (process.stderr.columns || 80) - 1);
      process.stderr.write(`\r\x1b[K${text.slice(0, width)}`);
      this.drawn = true;
    } else if (state !== this.lastState) {
      process.stderr.write(`${text}\n`);
    }
    this.lastState = state;
  }

  clear(): void {
    if (this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** Returns the exit code: 0 when the request succeeded, 1 when it failed or was canceled. */
export async function watchRequest(api: ApiClient, id: string, opts: WatchOptions): Promise<number> {
  const line = new StatusLine(process.stderr.isTTY === true);
  const onSignal = (): void => {
    line.clear();
    process.stderr.write(`barge: stopped watching; request ${id} keeps running on the coordinator (barge cancel ${id} stops it)\n`);
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSignal);
  let r: RequestView;
  let heard: RequestAnnouncements | undefined;
  try {
    r = await api.request(id); // a bad id or an unreachable coordinator fails at once
    heard = FINAL_STATES.includes(r.state) ? undefined : new RequestAnnouncements(api, id);
    let failingSince: number | undefined;
    let fresh = true;
    const pollMs = opts.pollMs ?? POLL_MS;
    const backoff = new Backoff({ initialMs: pollMs, maxMs: Math.max(pollMs, UNREACHABLE_MAX_MS), jitter: 0.2 });
    let waitMs = pollMs;
    while (!FINAL_STATES.includes(r.state)) {
      // off a terminal this prints once on each state change, once when the coordinator goes away
      if (fresh) line.show(progressText(r), r.state + (r.waiting ? ' waiting' : ''));
      await heard?.wait(heard.live && failingSince === undefined ? Math.max(waitMs, ANNOUNCED_POLL_MS) : waitMs);
      try {
        r = await api.request(id);
        failingSince = undefined;
        fresh = true;
        backoff.reset();
        waitMs = pollMs;
        heard?.reopen();
      } catch (e) {
        if (!isTransient(e)) throw e;
        waitMs = backoff.next();
        failingSince ??= Date.now();
        if (Date.now() - failingSince > GIVE_UP_MS) throw e;
        line.show(`${progressText(r)} [${e instanceof Error ? e.message : String(e)}; retrying]`, 'unreachable');
        fresh = false;
      }
    }
  } finally {
    heard?.stop();
    line.clear();
    process.off('SIGINT', onSignal);
  }
  return finish(api, r, opts);
}

async function finish(api: ApiClient, r: RequestView, opts: WatchOptions): Promise<number> {
  const ok = r.state === 'succeeded';
  if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  process.stderr.write(summaryLine(r) + '\n');
  if (r.message !== null && r.message !== '') process.stderr.write(`  ${r.message}\n`);
  if (r.errorCount > 0 && !opts.json) {
    try {
      const errors = await api.errors(r.id, 10);
      if (errors.items.length > 0) process.stderr.write(`first errors:\n${errorLines(errors).join('\n')}\n`);
    } catch (e) {
      process.stderr.write(`barge: could not fetch the errors: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  return ok ? 0 : 1;
}
