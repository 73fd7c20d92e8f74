// Resolves a relative path under a storage root, refusing anything that could leave it.
import { BargeError } from '../../core/errors.js';

export function resolveUnder(root: string, rel: string): string {
  if (rel === '') return root;
  if (rel.startsWith('/') || rel.includes('\0')) {
    throw new BargeError('E_PATH_ESCAPE', `path is not relative to the root: ${JSON.stringify(rel)}`, { path: rel });
  }
  for (const part of rel.split('/')) {
    if (part === '..' || part === '.' || part === '') {
      throw new BargeError('E_PATH_ESCAPE', `path has a '${part}' component: ${JSON.stringify(rel)}`, { path: rel });
    }
  }
  return root.endsWith('/') ? root + rel : `${root}/${rel}`;
}

export function splitParent(rel: string): { parent: string; name: string } {
  const i = rel.lastIndexOf('/');
  return i < 0 ? { parent: '', name: rel } : { parent: rel.slice(0, i), name: rel.slice(i + 1) };
}

/** a name inside a directory: one path component, never '.', '..', '' or with a NUL */
export function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new BargeError('E_PATH_ESCAPE', `not a name within a directory: ${JSON.stringify(name)}`, { path: name });
  }
}
