// The drop-folder inbox as a test sees it: a service configuration with `[inbox]`, the
// files in its folders, and what a `.error.json` or a status file says.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeSmallTree, writeServiceConfig } from './service.js';

export interface InboxSetup { dir: string; src: string; dst: string; inbox: string; files: number; config: string; stateDir: string }

export function inboxSetup(tag: string, extra = ''): InboxSetup {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `barge-inbox-${tag}-`));
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  fs.mkdirSync(dst);
  const files = makeSmallTree(src, 3, 20);
  const inbox = path.join(dir, 'inbox');
  const config = writeServiceConfig(dir, src, dst, ['[inbox]', `path = ${JSON.stringify(inbox)}`, extra].join('\n'));
  return { dir, src, dst, inbox, files, config, stateDir: path.join(dir, 'state') };
}

const SUBDIRS = ['accepted', 'quarantine', 'status'];

/** the names in one folder of the inbox ('' the inbox itself, without its three subfolders), sorted */
export function namesIn(inbox: string, sub: '' | 'accepted' | 'quarantine' | 'status'): string[] {
  const at = path.join(inbox, sub);
  if (!fs.existsSync(at)) return [];
  return fs.readdirSync(at).filter((n) => sub !== '' || !SUBDIRS.includes(n)).sort();
}

export interface ErrorFile { file: string; code: string; message: string; key?: string }

export function errorFile(inbox: string, name: string): ErrorFile {
  return JSON.parse(fs.readFileSync(path.join(inbox, 'quarantine', `${name}.error.json`), 'utf8')) as ErrorFile;
}

export interface StatusFileBody {
  id: string; state: string; inbox: { file: string; key: string };
  files: { copied: number; failed: number }; errors: { count: number };
}

export function statusOf(inbox: string, id: string): StatusFileBody | undefined {
  const f = path.join(inbox, 'status', `${id}.json`);
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) as StatusFileBody : undefined;
}

/** writes a file the way a careful writer does: a .tmp name, then a rename */
export function dropFile(inbox: string, name: string, text: string): void {
  const tmp = path.join(inbox, `${name}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path.join(inbox, name));
}
