// Submit refuses a source that is not there (404 E_NOT_FOUND) or is not a directory
// (400 E_BAD_INPUT), named as the request names it ("ENDPOINT:/path"), never by where it
// sits on a host. With the built-in agent the coordinator's host has the endpoint; without
// it, a live agent that serves the endpoint looks. Whatever else happens (no agent can
// answer, a root that cannot be read from here) the request is taken: it waits for an
// agent, or its run reports what went wrong.
import type { Entry } from '../core/entry.js';
import { BargeError } from '../core/errors.js';

export async function checkSource(where: string, stat: (endpoint: string, path: string) => Promise<Entry | undefined>): Promise<void> {
  const colon = where.indexOf(':');
  let at: Entry | undefined;
  try {
    at = await stat(where.slice(0, colon), where.slice(colon + 1));
  } catch (e) {
    if (!(e instanceof BargeError && e.code === 'E_NOT_FOUND')) return;
    at = undefined;
  }
  if (!at) throw new BargeError('E_NOT_FOUND', `source: '${where}' does not exist`);
  if (at.type !== 'dir') throw new BargeError('E_BAD_INPUT', `source: '${where}' is not a directory`);
}
