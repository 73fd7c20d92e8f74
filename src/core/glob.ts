// Glob patterns as rsync users write them, compiled to regular expressions.
// `*` and `?` stop at '/', `**` crosses it, `[...]` is a character class.
import { BargeError } from './errors.js';

export interface Glob {
  source: string;
  /** matched against the whole relative path (pattern had a '/'), else against the last name */
  anchored: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

export function compileGlob(pattern: string): Glob {
  if (pattern === '' || pattern === '/') throw new BargeError('E_USAGE', `bad glob '${pattern}': empty pattern`);
  let p = pattern;
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '*') {
      if (p[i + 1] === '*') {
        // "**/" also matches no directory at all, so "a/**/b" matches "a/b"
        if (p[i + 2] === '/') { re += '(?:.*/)?'; i += 2; } else { re += '.*'; i += 1; }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) throw new BargeError('E_USAGE', `bad glob '${pattern}': '[' without a closing ']'`);
      let body = p.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else if (c === '\\' && i + 1 < p.length) {
      re += escapeChar(p[i + 1] as string);
      i++;
    } else re += escapeChar(c);
  }
  return { source: pattern, anchored, dirOnly, regex: new RegExp(`^${re}$`, 's') };
}

function escapeChar(c: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(c) ? '\\' + c : c;
}

export function globMatches(g: Glob, relPath: string, name: string, isDir: boolean): boolean {
  if (g.dirOnly && !isDir) return false;
  return g.regex.test(g.anchored ? relPath : name);
}
