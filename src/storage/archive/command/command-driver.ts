// The `command` driver: an hsi-like tool run from argv templates. Locating runs the locate
// command once per batch ('{paths}' becomes the archive paths, one argument each) and parses
// its `ls -P` lines (on stdout or stderr: hsi lists to stderr); staging runs the stage command once per session and writes it one
// `get "LOCAL" : "REMOTE"` line per file on stdin, then `quit`. Whether a file landed is the
// stager's to check; a `HEX ALGO REMOTE` line the tool prints is the checksum to check it by.
import * as fs from 'node:fs';
import { BargeError, toErrorRecord } from '../../../core/errors.js';
import type { LocateFailure, StageLocation } from '../../stager.js';
import type { ArchiveDriver, DriverStats, StagedFile, StageJob } from '../driver.js';
import { parseLsP } from '../ls-p.js';
import { formatGetLine, unquotable } from './get-lines.js';
import { describeEnd, runProcess, type ProcessResult } from './run-process.js';

export interface CommandSettings {
  /** argv of the locate command; the argument '{paths}' stands for the archive paths */
  locate: readonly string[];
  /** argv of the staging session, fed get lines on stdin */
  stage: readonly string[];
  /** the archive's own path of the endpoint's top: a file's archive path is this + '/' + its path */
  archivePath: string;
}

export const PATHS_PLACEHOLDER = '{paths}';
const ARGV_BUDGET = 512 * 1024;
const CHECKSUM_LINE = /^([0-9a-fA-F]{8,})\s+(md5|sha1|sha224|sha256|sha384|sha512)\s+(.+?)\s*$/;

function failure(path: string, e: BargeError): { path: string; error: ReturnType<typeof toErrorRecord> } {
  return { path, error: toErrorRecord(e, path) };
}

/** hsi writes its listings to stderr, other tools to stdout: lines are looked for in both */
function bothStreams(r: ProcessResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

/** the tool's stderr line that names the path, if it printed one */
function saidAbout(r: ProcessResult, archivePath: string): string | undefined {
  return r.stderr.split('\n').find((l) => l.includes(archivePath))?.trim();
}

export class CommandDriver implements ArchiveDriver {
  private readonly counts = { locateCommands: 0, stageSessions: 0, failedCommands: 0 };

  constructor(private readonly settings: CommandSettings) {}

  archivePathOf(rel: string): string {
    const top = this.settings.archivePath.replace(/\/+$/, '');
    return rel === '' ? top : `${top}/${rel}`;
  }

  async locate(paths: readonly string[]): Promise<Array<StageLocation | LocateFailure>> {
    // a command line holds some MiB of arguments (Linux: a quarter of the stack limit): runs of 512 KiB
    const out: Array<StageLocation | LocateFailure> = [];
    for (let i = 0; i < paths.length;) {
      let bytes = 0;
      let j = i;
      while (j < paths.length && (j === i || bytes + this.archivePathOf(paths[j] as string).length + 1 <= ARGV_BUDGET)) {
        bytes += this.archivePathOf(paths[j] as string).length + 1;
        j++;
      }
      out.push(...await this.locateRun(paths.slice(i, j)));
      i = j;
    }
    return out;
  }

  private async locateRun(paths: readonly string[]): Promise<Array<StageLocation | LocateFailure>> {
    const archivePaths = paths.map((p) => this.archivePathOf(p));
    const argv = this.settings.locate.flatMap((a) => (a === PATHS_PLACEHOLDER ? archivePaths : [a]));
    this.counts.locateCommands++;
    const r = await runProcess(argv, '');
    if (r.code !== 0) this.counts.failedCommands++;
    const parsed = parseLsP(bothStreams(r), archivePaths);
    return parsed.map((a, i) => {
      const rel = paths[i] as string;
      if (!('error' in a)) return { ...a, path: rel };
      // the tool's own word on a path it printed nothing for (hsi: "*** hpss_Lstat: No such file …")
      const said = /no FILE line/.test(a.error.message) ? saidAbout(r, a.path) : undefined;
      const message = said === undefined ? a.error.message : `the archive said: ${said}`;
      const code = said !== undefined && /no such file|ENOENT/i.test(said) ? 'E_NOT_FOUND' : 'E_ARCHIVE';
      return failure(rel, new BargeError(code, message, { path: rel, retryable: false }));
    });
  }

  async stage(jobs: readonly StageJob[], signal?: AbortSignal): Promise<StagedFile[]> {
    const lines: string[] = [];
    const refused = new Map<string, string>();
    for (const j of jobs) {
      const why = unquotable(j.target) ?? unquotable(this.archivePathOf(j.path));
      if (why === undefined) lines.push(formatGetLine(j.target, this.archivePathOf(j.path)));
      else refused.set(j.path, why);
    }
    let r: ProcessResult | undefined;
    if (lines.length > 0) {
      this.counts.stageSessions++;
      r = await runProcess(this.settings.stage, `${lines.join('\n')}\nquit\n`, signal);
      if (r.code !== 0) this.counts.failedCommands++;
    }
    const sums = new Map<string, { algorithm: string; hex: string }>();
    for (const l of (r === undefined ? '' : bothStreams(r)).split('\n')) {
      const m = CHECKSUM_LINE.exec(l);
      if (m) sums.set(m[3] as string, { algorithm: (m[2] as string).toLowerCase(), hex: (m[1] as string).toLowerCase() });
    }
    return jobs.map((j): StagedFile => {
      const why = refused.get(j.path);
      if (why !== undefined) return failure(j.path, new BargeError('E_NAME', why, { path: j.path }));
      const remote = this.archivePathOf(j.path);
      if (r !== undefined && !fs.existsSync(j.target)) {
        const said = saidAbout(r, remote);
        const e = new BargeError('E_ARCHIVE', said === undefined ? `the stage command did not bring it (${describeEnd(r)})` : `the archive said: ${said}`, { path: j.path });
        return failure(j.path, e);
      }
      const sum = sums.get(remote);
      return sum === undefined ? { path: j.path } : { path: j.path, checksum: sum };
    });
  }

  stats(): DriverStats {
    return { ...this.counts };
  }
}
