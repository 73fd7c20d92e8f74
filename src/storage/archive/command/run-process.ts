// Runs one archive tool as a child process from an argument array (never through a shell),
// feeding it stdin and keeping its output; stopping the signal kills it.
import { spawn } from 'node:child_process';
import { BargeError } from '../../../core/errors.js';

export interface ProcessResult {
  /** the exit code, or undefined when a signal ended it */
  code: number | undefined;
  signal: NodeJS.Signals | undefined;
  stdout: string;
  stderr: string;
}

/** output kept per stream: an ls -P line is about 100 bytes, so this is some hundred thousand files */
const MAX_OUTPUT = 64 * 1024 * 1024;

export function runProcess(argv: readonly string[], stdin: string, signal?: AbortSignal): Promise<ProcessResult> {
  const [file, ...args] = argv;
  if (file === undefined || file === '') return Promise.reject(new BargeError('E_CONFIG', 'archive command: an empty command'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout.on('data', (b: Buffer) => { if ((outBytes += b.length) <= MAX_OUTPUT) out.push(b); });
    child.stderr.on('data', (b: Buffer) => { if ((errBytes += b.length) <= MAX_OUTPUT) err.push(b); });
    // a tool that exits without reading its stdin closes the pipe: not an error of ours
    child.stdin.on('error', () => undefined);
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') reject(new BargeError('E_INTERRUPTED', `archive command ${file} was stopped`));
      else reject(new BargeError('E_ARCHIVE', `cannot run the archive command ${JSON.stringify(file)}: ${e.message}`, { retryable: e.code !== 'ENOENT' && e.code !== 'EACCES' }));
    });
    child.on('close', (code, sig) => {
      resolve({ code: code ?? undefined, signal: sig ?? undefined, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(stdin);
  });
}

/** how the process ended, for messages: "exit code 72: <last lines of stderr>" */
export function describeEnd(r: ProcessResult): string {
  const how = r.signal === undefined ? `exit code ${r.code ?? '?'}` : `signal ${r.signal}`;
  const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
  return tail === '' ? how : `${how}: ${tail}`;
}
