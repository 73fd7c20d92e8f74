// The `get` lines of a staging session, as hsi reads them on stdin: `get "LOCAL" : "REMOTE"`,
// one file a line. Names are double-quoted; a name holding a quote or a line break cannot be
// written this way and is refused before the session starts.

/** why the name cannot go into a get line, or undefined when it can */
export function unquotable(name: string): string | undefined {
  return /["\n\r]/.test(name) ? 'a double quote or line break in the name cannot be passed in a get line' : undefined;
}

export function formatGetLine(local: string, remote: string): string {
  return `get "${local}" : "${remote}"`;
}

export function parseGetLine(line: string): { local: string; remote: string } | undefined {
  const m = /^get\s+"([^"]*)"\s*:\s*"([^"]*)"\s*$/.exec(line) ?? /^get\s+(\S+)\s*:\s*(\S+)\s*$/.exec(line);
  return m ? { local: m[1] ?? '', remote: m[2] ?? '' } : undefined;
}
