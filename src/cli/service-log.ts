// The log of the long-running commands, `barge serve` and `barge agent`: pino, as JSON lines
// (for log collectors, journald, files) or as lines for people, on stderr. A terminal gets the
// lines for people, anything else JSON, unless --log-format or BARGE_LOG_FORMAT says which.
import pino, { type Logger } from 'pino';
import { BargeError } from '../core/errors.js';
import { humanLogLine } from './human-log-line.js';

export type LogFormat = 'human' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['human', 'json'];
const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'];

/** flag > BARGE_LOG_FORMAT > human on a terminal, JSON otherwise */
export function resolveLogFormat(flag: string | undefined, env: NodeJS.ProcessEnv, tty: boolean): LogFormat {
  const [given, where] = flag !== undefined ? [flag, '--log-format'] : [env.BARGE_LOG_FORMAT ?? '', 'BARGE_LOG_FORMAT'];
  if (given === '') return tty ? 'human' : 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(given)) throw new BargeError('E_USAGE', `${where}: expected human or json, got '${given}'`);
  return given as LogFormat;
}

/** BARGE_LOG_LEVEL (default info): debug adds a line per API call */
export function resolveLogLevel(env: NodeJS.ProcessEnv): string {
  const given = env.BARGE_LOG_LEVEL ?? '';
  if (given === '') return 'info';
  if (!LOG_LEVELS.includes(given)) throw new BargeError('E_USAGE', `BARGE_LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got '${given}'`);
  return given;
}

export function createServiceLogger(cmd: 'serve' | 'agent', format: LogFormat, level = 'info'): Logger {
  const opts = { base: { app: 'barge', cmd }, level, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'json') return pino(opts, pino.destination({ fd: 2, sync: true }));
  // pino hands each record to write() as one JSON line, synchronously
  return pino(opts, { write: (line: string) => { process.stderr.write(humanLogLine(JSON.parse(line) as Record<string, unknown>)); } });
}

/**
 * Node's warnings (a deprecation, pg's dropped connection) as log lines: printed by Node
 * they would be the one line of stderr that is not JSON.
 */
export function logWarnings(log: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (w) => log.warn({ warning: w.name, ...('code' in w && typeof w.code === 'string' ? { code: w.code } : {}) }, w.message));
}
