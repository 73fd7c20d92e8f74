// Where the simulated library keeps each file: a volume and a place on it. Made from the
// archive's namespace tree and a seed (files shuffled, then dealt to volumes in turn, each
// written after the last on its tape), or read from a catalogue file so a test can keep it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BargeError } from '../../../core/errors.js';
import { seededFraction, seededRandom } from './seeded.js';

export interface CatalogueFile {
  path: string;
  size: number;
  volume: string;
  /** the file's number on its volume, from 1 (the `section` of ls -P) */
  section: number;
  /** where it starts on the tape, in bytes from the beginning: what locate time is reckoned from */
  offset: number;
}

export interface Catalogue {
  readonly volumes: readonly string[];
  readonly files: Map<string, CatalogueFile>;
  /** bytes written on each volume: the far end a locate is measured against */
  readonly written: Map<string, number>;
}

export function volumeName(i: number): string {
  return `VOL${String(i + 1).padStart(3, '0')}`;
}

/** every regular file below root, relative and '/'-separated, with its size, sorted by path */
export function walkTree(root: string): Array<{ path: string; size: number }> {
  const out: Array<{ path: string; size: number }> = [];
  const walk = (rel: string): void => {
    const dir = rel === '' ? root : path.join(root, rel);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push({ path: r, size: fs.statSync(path.join(root, r)).size });
    }
  };
  walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function emptyCatalogue(volumes: number): Catalogue {
  if (!Number.isInteger(volumes) || volumes < 1) throw new BargeError('E_CONFIG', `archive sim: volumes must be a whole number above 0, got ${volumes}`);
  const names = Array.from({ length: volumes }, (_, i) => volumeName(i));
  return { volumes: names, files: new Map(), written: new Map(names.map((v) => [v, 0])) };
}

function append(cat: Catalogue, volume: string, file: { path: string; size: number }): CatalogueFile {
  const offset = cat.written.get(volume) ?? 0;
  const placed = { path: file.path, size: file.size, volume, section: 0, offset };
  let section = 1;
  for (const f of cat.files.values()) if (f.volume === volume) section++;
  placed.section = section;
  cat.files.set(file.path, placed);
  cat.written.set(volume, offset + file.size);
  return placed;
}

/** the files shuffled by the seed and dealt to the volumes in turn, so every volume holds a random share */
export function placeFiles(files: ReadonlyArray<{ path: string; size: number }>, volumes: number, seed: number): Catalogue {
  const cat = emptyCatalogue(volumes);
  const order = [...files];
  const rand = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j] as { path: string; size: number }, order[i] as { path: string; size: number }];
  }
  const sections = new Map<string, number>();
  order.forEach((f, i) => {
    const volume = cat.volumes[i % cat.volumes.length] as string;
    const offset = cat.written.get(volume) ?? 0;
    const section = (sections.get(volume) ?? 0) + 1;
    sections.set(volume, section);
    cat.files.set(f.path, { path: f.path, size: f.size, volume, section, offset });
    cat.written.set(volume, offset + f.size);
  });
  return cat;
}

/** a file archived after the catalogue was made: written at the end of a volume the seed picks by its name */
export function placeLate(cat: Catalogue, file: { path: string; size: number }, seed: number): CatalogueFile {
  const volume = cat.volumes[Math.floor(seededFraction(seed, 'late', file.path) * cat.volumes.length)] as string;
  return append(cat, volume, file);
}

interface CatalogueJson {
  version: 1;
  volumes: string[];
  files: Array<[path: string, size: number, volume: string, section: number, offset: number]>;
}

export function saveCatalogue(cat: Catalogue, file: string): void {
  const json: CatalogueJson = { version: 1, volumes: [...cat.volumes], files: [...cat.files.values()].map((f) => [f.path, f.size, f.volume, f.section, f.offset]) };
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(json));
  fs.renameSync(tmp, file);
}

export function loadCatalogue(file: string): Catalogue {
  let json: CatalogueJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as CatalogueJson;
  } catch (e) {
    throw new BargeError('E_CONFIG', `archive sim: cannot read catalogue ${file}: ${(e as Error).message}`);
  }
  if (json.version !== 1 || !Array.isArray(json.volumes) || !Array.isArray(json.files)) {
    throw new BargeError('E_CONFIG', `archive sim: ${file} is not a catalogue (version 1 with volumes and files)`);
  }
  const cat: Catalogue = { volumes: json.volumes, files: new Map(), written: new Map(json.volumes.map((v) => [v, 0])) };
  for (const [p, size, volume, section, offset] of json.files) {
    cat.files.set(p, { path: p, size, volume, section, offset });
    cat.written.set(volume, Math.max(cat.written.get(volume) ?? 0, offset + size));
  }
  return cat;
}

/** the catalogue file's when there is one; else placed from the tree (and kept in the file when one is named) */
export function openCatalogue(root: string, opts: { volumes: number; seed: number; file?: string }): Catalogue {
  if (opts.file !== undefined && fs.existsSync(opts.file)) return loadCatalogue(opts.file);
  const cat = placeFiles(walkTree(root), opts.volumes, opts.seed);
  if (opts.file !== undefined) saveCatalogue(cat, opts.file);
  return cat;
}
