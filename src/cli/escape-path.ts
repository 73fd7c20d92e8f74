// Printing paths on one line whatever bytes their names hold (newlines, tabs, escapes).

export function escapePath(p: string): string {
  // eslint-disable-next-line no-control-regex
  return p.replace(/[\\\u0000-\u001f\u007f]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
  });
}
