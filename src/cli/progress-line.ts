// The live progress line on a terminal: phase, files and bytes done of those found so
// far, rate, and an ETA once the walk is over. Drawn by cli-progress on stderr.
import { SingleBar } from 'cli-progress';
import type { Counters } from '../core/counters.js';
import { formatBytes, formatCount, formatDuration } from '../core/units.js';

export interface ProgressSource {
  counters(): Counters;
  /** bytes written so far, including files still in flight */
  liveBytes(): number;
  walkDone(): boolean;
}

export class ProgressLine {
  private readonly bar: SingleBar;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  private readonly samples: { t: number; bytes: number }[] = [];

  constructor(private readonly source: ProgressSource, dryRun: boolean) {
    this.bar = new SingleBar({
      stream: process.stderr,
      hideCursor: false,
      clearOnComplete: true,
      linewrap: false,
      fps: 5,
      // --progress where stderr is no terminal (a log file, a pipe): a line every 2 s, not
      // redrawn in place; cli-progress otherwise draws nothing there
      noTTYOutput: true,
      notTTYSchedule: 2000,
      format: () => this.line(dryRun),
    });
  }

  start(): void {
    this.bar.start(1, 0);
    this.timer = setInterval(() => this.bar.update(0), 200);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.bar.stop();
  }

  private rate(bytes: number): number {
    const now = Date.now();
    this.samples.push({ t: now, bytes });
    while (this.samples.length > 2 && now - (this.samples[0]?.t ?? now) > 5000) this.samples.shift();
    const first = this.samples[0];
    if (!first || now - first.t < 500) return (bytes * 1000) / Math.max(1, now - this.started);
    return ((bytes - first.bytes) * 1000) / (now - first.t);
  }

  private line(dryRun: boolean): string {
    const c = this.source.counters();
    const bytes = Math.min(this.source.liveBytes(), c.bytesToCopy);
    const rate = this.rate(bytes);
    const walkDone = this.source.walkDone();
    const phase = dryRun ? 'dry run' : walkDone ? 'copying' : 'scanning';
    const filesDone = c.filesCopied + c.filesUpToDate + c.metaUpdated;
    const eta = walkDone && rate > 0 ? formatDuration((c.bytesToCopy - bytes) / rate) : '--';
    return `${phase}: ${formatCount(filesDone)}/${formatCount(c.filesFound)} ${c.filesFound === 1 ? 'file' : 'files'}, ` +
      `${formatBytes(bytes)}/${formatBytes(c.bytesToCopy)} to copy, ${formatBytes(rate)}/s, ETA ${eta}` +
      (c.failed > 0 ? `, ${c.failed} failed` : '');
  }
}
