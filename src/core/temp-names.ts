// Names of barge's own temporary files beside a destination file. A file is written
// under a temporary name and renamed at commit; large files keep a stable partial name
// (and a chunk journal) so that an interrupted copy resumes.

const TEMP_RE = /^\.barge-([0-9a-f]{16})(?:-[0-9a-z]+\.tmp|\.part|\.part\.log)$/;

/** shaped like a name barge gives its temporary files; whose file it is, ownTemporaries tells */
export function isTempName(name: string): boolean {
  return name.startsWith('.barge-') && TEMP_RE.test(name);
}

/**
 * Which of a destination directory's files are barge's own temporary files (left by an
 * interrupted run: removed by the next, --delete or not). A name of that shape proves
 * nothing by itself: a source may hold such names (a tree barge was writing into, copied
 * with cp -a), and they are copied like any other. So barge takes a destination file for
 * its own only when (1) it is a regular file, (2) the source has no entry of that name, and
 * (3) its tag is the nameTag of an entry beside it, source or destination: barge names
 * every temporary file after the file it stands in for (tempNameFor, partialNameFor,
 * journalNameFor below), in that file's directory, and a name made otherwise carries
 * another tag. Any other file of that shape is an ordinary file: left alone, or deleted by
 * --delete when the source lacks it.
 */
export function ownTemporaries(dst: readonly { name: string; type: string }[], srcNames: ReadonlySet<string>, siblings: () => Iterable<string>): string[] {
  const candidates = dst.filter((d) => d.type === 'file' && isTempName(d.name) && !srcNames.has(d.name));
  if (candidates.length === 0) return []; // the usual case: no tag is computed
  const tags = new Set<string>();
  for (const name of siblings()) tags.add(nameTag(name));
  return candidates.filter((d) => tags.has(TEMP_RE.exec(d.name)?.[1] ?? '')).map((d) => d.name);
}

/** Two 32-bit FNV-1a hashes of the name's UTF-16 units: a short, stable stand-in that
 * fits NAME_MAX for any name (BigInt arithmetic here cost microseconds per file) */
export function nameTag(name: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

let seq = 0;
export function tempNameFor(name: string): string {
  seq = (seq + 1) % 0x7fffffff;
  return `.barge-${nameTag(name)}-${seq.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}.tmp`;
}

export function partialNameFor(name: string): string {
  return `.barge-${nameTag(name)}.part`;
}

export function journalNameFor(name: string): string {
  return `.barge-${nameTag(name)}.part.log`;
}
