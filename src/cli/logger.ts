// Where messages for the user go: plain lines on stderr, or JSON lines (pino) with
// --log-format json, so that scripts and log collectors can read them.
import type { ErrorRecord } from '../core/errors.js';
import { errorLine } from './sync-report.js';
import { showBytes } from './escape-path.js';

export interface Logger {
  error(e: ErrorRecord): void;
  notice(text: string): void;
  /** the end-of-run summary: text for people, an object for machines */
  summary(text: string, fields: Record<string, unknown>): void;
}

/** pino is loaded only for JSON logs: start-up time counts for short runs */
export async function createLogger(format: 'human' | 'json', quiet: boolean): Promise<Logger> {
  if (format === 'json') {
    const { default: pino } = await import('pino');
    const log = pino({ base: { app: 'barge' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true }));
    return {
      error: (e) => log.error({ code: e.code, path: e.path === undefined ? undefined : showBytes(e.path), retryable: e.retryable }, showBytes(e.message)),
      notice: (text) => { if (!quiet) log.warn(text); },
      summary: (_text, fields) => { if (!quiet) log.info(fields, 'summary'); },
    };
  }
  return {
    error: (e) => process.stderr.write(errorLine(e) + '\n'),
    notice: (text) => { if (!quiet) process.stderr.write(`barge: ${text}\n`); },
    summary: (text) => { if (!quiet) process.stderr.write(text + '\n'); },
  };
}
