// Directory entries whose names are not valid UTF-8: barge cannot carry them yet (a
// string path cannot name them), so it never deletes them; this shows them with \xNN
// for the bytes that are not UTF-8, so a user can find them.
import { isUtf8 } from 'node:buffer';

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  if (lead >= 0xf0 && lead < 0xf5) return 4;
  return 0;
}

/** the name as text: valid UTF-8 as is, every other byte as \xNN */
export function showName(name: Buffer): string {
  let out = '';
  for (let i = 0; i < name.length;) {
    const n = sequenceLength(name[i] as number);
    const seq = n > 0 ? name.subarray(i, i + n) : undefined;
    if (seq && seq.length === n && isUtf8(seq)) { out += seq.toString('utf8'); i += n; continue; }
    out += '\\x' + (name[i] as number).toString(16).padStart(2, '0');
    i++;
  }
  return out;
}

export { isUtf8 };
