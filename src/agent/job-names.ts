// How an agent's messages name a job's two roots: "ENDPOINT:/path", as the request gave
// them; where an endpoint sits on this host is the agent's business, not the user's.
import type { Job } from '../core/agent-wire.js';
import { BargeError, isBargeError, toErrorRecord } from '../core/errors.js';

export function jobNames(job: Pick<Job, 'src' | 'dst'>): { src: string; dst: string } {
  return { src: `${job.src.endpoint}:/${job.src.path}`, dst: `${job.dst.endpoint}:/${job.dst.path}` };
}

/** makes the destination's root, failing with its ENDPOINT:/path name rather than the host path */
export function makeDestination(job: Pick<Job, 'src' | 'dst'>, make: () => void): void {
  try {
    make();
  } catch (e) {
    const code = isBargeError(e) ? e.code : (e as NodeJS.ErrnoException).code === 'EACCES' || (e as NodeJS.ErrnoException).code === 'EPERM' ? 'E_PERMISSION' : toErrorRecord(e).code;
    const why = (e as NodeJS.ErrnoException).code ?? (isBargeError(e) ? e.code : 'error');
    throw new BargeError(code === 'E_INTERNAL' ? 'E_IO' : code, `cannot make the destination ${jobNames(job).dst}: ${why}`, { path: '' });
  }
}
