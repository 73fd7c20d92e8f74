// Printing paths on one line whatever bytes their names hold (newlines, tabs, escapes,
// bytes that are not UTF-8).
import { showEscapedBytes } from '../core/name-bytes.js';

/** a path for a line of text: \\ for a backslash, \n, \t, \xNN for other control characters and for each byte that is not UTF-8 */
export function escapePath(p: string): string {
  // eslint-disable-next-line no-control-regex
  return showEscapedBytes(p.replace(/[\\\u0000-\u001f\u007f]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
  }));
}

/** text (a message, a path in JSON, where JSON escapes the rest) with each byte that is not UTF-8 as \xNN: a JSON reader would see U+FFFD */
export { showEscapedBytes as showBytes };
