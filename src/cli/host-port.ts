// HOST:PORT as flags and agent addresses give it ("[::1]:7701" for IPv6).
import { BargeError } from '../core/errors.js';

export function parseListen(text: string, what: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new BargeError('E_USAGE', `${what} '${text}': expected HOST:PORT`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}
