// Filter patterns with rsync's meaning, which rsync itself decides in our tests
// (test/glob-rsync-oracle.test.ts):
// - `*` and `?` stop at '/', `**` crosses it; `[...]` is a class (`!` or `^` negates, a
//   `]` first is a member, `a-z` ranges, `[:digit:]` and the other POSIX classes), and a
//   class never matches '/'; `\` makes the next character literal. A pattern that cannot
//   be read (an unclosed `[`, an unknown `[:class:]`) is refused: rsync would silently
//   match nothing with it, and a typo in an exclude would then copy what it meant to keep out.
// - Where a pattern applies: without a '/' (a trailing one aside) and without `**`, to the
//   last name; with a leading '/', to the whole path from the top; with an inner '/', to
//   the last as many names as it has parts; with `**`, to the path from any '/' onward; a
//   leading `**/` also matches at the top; a trailing `/***` also matches the directory.
// Unlike rsync, which compares bytes, barge compares characters: `?` matches one `ä`.
import { BargeError } from './errors.js';

export interface Glob {
  source: string;
  /** the pattern without its leading '/' and its trailing '/' */
  body: string[];
  /** had a leading '/': matched against the whole path from the top */
  anchored: boolean;
  dirOnly: boolean;
  /** has `*`, `?` or `[`: without them, '\' is just a character (rsync's literal rules) */
  wild: boolean;
  /** has `**` */
  crossesDirs: boolean;
  /** starts with `**` then '/': may match at the top as well */
  starStarPrefix: boolean;
  /** ends with `/***`: matches the directory itself too */
  tripleStarSuffix: boolean;
  /** '/' in the body */
  slashes: number;
}

export function compileGlob(pattern: string): Glob {
  if (pattern === '' || pattern === '/') throw new BargeError('E_USAGE', `bad glob '${pattern}': empty pattern`);
  let p = pattern;
  const dirOnly = p.endsWith('/') && !p.endsWith('\\/');
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.startsWith('/');
  if (anchored) p = p.slice(1);
  const unreadable = unreadableClass(Array.from(p));
  if (unreadable !== undefined) throw new BargeError('E_USAGE', `bad glob '${pattern}': ${unreadable} (rsync would match nothing with it)`);
  return {
    source: pattern, body: Array.from(p), anchored, dirOnly,
    wild: /[*?[]/.test(p),
    crossesDirs: p.includes('**'),
    starStarPrefix: p.startsWith('**/'),
    tripleStarSuffix: p.endsWith('/***'),
    slashes: [...p].filter((c) => c === '/').length,
  };
}

/** why a class of the pattern cannot be read, or undefined when all can */
function unreadableClass(p: string[]): string | undefined {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') { i++; continue; }
    if (p[i] !== '[') continue;
    const c = matchClass(p, i, 'x');
    if (c === undefined) {
      const rest = p.slice(i).join('');
      const named = /^\[[!^]?\[:([^\]]*):\]/.exec(rest);
      return named !== null && !(named[1] as string in CLASSES) ? `no character class '[:${named[1]}:]' (use alnum, alpha, blank, cntrl, digit, graph, lower, print, punct, space, upper, xdigit)` : `'[' without a closing ']'`;
    }
    i = c.end;
  }
  return undefined;
}

/** `relPath` from the top, without a leading '/'; `name` is unused (kept for callers: the last part of relPath) */
export function globMatches(g: Glob, relPath: string, _name: string, isDir: boolean): boolean {
  if (g.dirOnly && !isDir) return false;
  let subject = relPath;
  if (g.anchored) subject = relPath;
  else if (g.slashes === 0 && !g.crossesDirs) subject = relPath.slice(relPath.lastIndexOf('/') + 1);
  else if (g.starStarPrefix) subject = '/' + relPath;
  if (isDir && g.tripleStarSuffix) subject += '/';
  const text = Array.from(subject);
  const starts = g.anchored || g.starStarPrefix ? [0]
    : g.slashes > 0 && !g.crossesDirs ? [lastParts(text, g.slashes + 1)]
      : g.crossesDirs ? [0, ...slashStarts(text)] : [0];
  const match = g.wild ? (at: number) => wildMatch(g.body, 0, text, at) === Result.Match : (at: number) => literal(g.body, text, at);
  return starts.some(match);
}

/** where the last `parts` names of text begin (0 when it has fewer) */
function lastParts(text: string[], parts: number): number {
  let seen = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    if (text[i] === '/' && ++seen === parts) return i + 1;
  }
  return 0;
}

/** every position just after a '/' */
function slashStarts(text: string[]): number[] {
  const out: number[] = [];
  text.forEach((c, i) => { if (c === '/') out.push(i + 1); });
  return out;
}

function literal(p: string[], text: string[], at: number): boolean {
  return text.length - at === p.length && p.every((c, i) => c === text[at + i]);
}

const enum Result { Match, NoMatch, AbortAll, AbortToStarStar }

/** p from pi against all of text from ti; the aborts cut short a search that cannot succeed */
function wildMatch(p: string[], pi: number, text: string[], ti: number): Result {
  for (; pi < p.length; pi++, ti++) {
    const pc = p[pi] as string;
    const tc = text[ti];
    if (tc === undefined && pc !== '*') return Result.AbortAll;
    if (pc === '\\') {
      pi++;
      if ((p[pi] ?? '\\') !== tc) return Result.NoMatch;
    } else if (pc === '?') {
      if (tc === '/') return Result.NoMatch;
    } else if (pc === '*') {
      return star(p, pi, text, ti);
    } else if (pc === '[') {
      const c = matchClass(p, pi, tc as string);
      if (c === undefined) return Result.AbortAll;
      if (!c.matched) return Result.NoMatch;
      pi = c.end;
    } else if (pc !== tc) return Result.NoMatch;
  }
  return ti >= text.length ? Result.Match : Result.NoMatch;
}

function star(p: string[], pi: number, text: string[], ti: number): Result {
  const double = p[pi + 1] === '*';
  while (p[pi + 1] === '*') pi++;
  pi++;
  if (pi >= p.length) {
    // a trailing `**` takes the rest; a trailing `*` only what has no '/'
    return double || !text.slice(ti).includes('/') ? Result.Match : Result.NoMatch;
  }
  for (; ti < text.length; ti++) {
    const r = wildMatch(p, pi, text, ti);
    if (r !== Result.NoMatch && (!double || r !== Result.AbortToStarStar)) return r;
    if (!double && text[ti] === '/') return Result.AbortToStarStar;
  }
  return Result.AbortAll;
}

const CLASSES: Record<string, (c: string) => boolean> = {
  alnum: (c) => /^[A-Za-z0-9]$/.test(c), alpha: (c) => /^[A-Za-z]$/.test(c), blank: (c) => c === ' ' || c === '\t',
  cntrl: (c) => c.length === 1 && (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127), digit: (c) => /^[0-9]$/.test(c),
  graph: (c) => c.length === 1 && c.charCodeAt(0) > 32 && c.charCodeAt(0) < 127, lower: (c) => /^[a-z]$/.test(c),
  print: (c) => c.length === 1 && c.charCodeAt(0) >= 32 && c.charCodeAt(0) < 127,
  punct: (c) => /^[!-/:-@[-`{-~]$/.test(c), space: (c) => /^[ \t\n\v\f\r]$/.test(c), upper: (c) => /^[A-Z]$/.test(c),
  xdigit: (c) => /^[0-9A-Fa-f]$/.test(c),
};

/** the class opening at p[open] against c: whether it matched and where it ends, or undefined when it cannot be read */
function matchClass(p: string[], open: number, c: string): { matched: boolean; end: number } | undefined {
  let i = open + 1;
  const negate = p[i] === '!' || p[i] === '^';
  if (negate) i++;
  let matched = false;
  let prev: string | undefined;
  // the first member is taken before looking for ']', so a ']' there is a member
  for (let first = true; first || p[i] !== ']'; first = false, i++) {
    let pc = p[i];
    if (pc === undefined) return undefined;
    if (pc === '\\') {
      pc = p[++i];
      if (pc === undefined) return undefined;
      if (c === pc) matched = true;
    } else if (pc === '-' && prev !== undefined && p[i + 1] !== undefined && p[i + 1] !== ']') {
      let hi = p[++i] as string;
      if (hi === '\\') {
        const escaped = p[++i];
        if (escaped === undefined) return undefined;
        hi = escaped;
      }
      if (cp(c) >= cp(prev) && cp(c) <= cp(hi)) matched = true;
      prev = undefined;
      continue;
    } else if (pc === '[' && p[i + 1] === ':') {
      const close = p.indexOf(']', i + 2);
      if (close < 0) return undefined;
      if (p[close - 1] !== ':' || close - 1 < i + 2) {
        // no ":]": a plain '['
        if (c === '[') matched = true;
      } else {
        const test = CLASSES[p.slice(i + 2, close - 1).join('')];
        if (test === undefined) return undefined;
        if (test(c)) matched = true;
        i = close;
        prev = undefined;
        continue;
      }
    } else if (c === pc) matched = true;
    prev = pc;
  }
  return { matched: matched !== negate && c !== '/', end: i };
}

function cp(c: string): number {
  return c.codePointAt(0) ?? 0;
}
