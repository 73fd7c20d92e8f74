// pino's JSON record as one line for people at a terminal: time, level, who, message, then
// the fields the message does not already say, as key=value.

const LABELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** said by the line's head, or noise for people */
const HEAD = new Set(['level', 'time', 'msg', 'app', 'cmd', 'pid', 'hostname']);

function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string') {
    return JSON.stringify((v as { message: string }).message); // a serialised error: its message, not its stack
  }
  return JSON.stringify(v) ?? String(v);
}

export function humanLogLine(o: Record<string, unknown>): string {
  const time = typeof o.time === 'string' ? o.time : new Date(typeof o.time === 'number' ? o.time : Date.now()).toISOString();
  const level = LABELS[Number(o.level)] ?? String(o.level);
  const msg = typeof o.msg === 'string' ? o.msg : '';
  const who = typeof o.cmd === 'string' ? `barge ${o.cmd}` : 'barge';
  const extra = Object.entries(o)
    .filter(([k, v]) => !HEAD.has(k) && v !== undefined && !(typeof v === 'string' && msg.includes(v)))
    .map(([k, v]) => `${k}=${valueText(v)}`);
  return `${time} ${level.padEnd(5)} ${who}: ${msg}${extra.length > 0 ? ` ${extra.join(' ')}` : ''}\n`;
}
