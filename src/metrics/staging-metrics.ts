// The stager's metrics (issue 29): per archive endpoint, mounts, seconds spent seeking,
// bytes staged, the buffer's use against its quota, and its requests' files by stage state.
import { Counter, Gauge, type Registry } from 'prom-client';
import { STAGE_STATES, type EndpointStaging } from '../core/staging-figures.js';

/** a counter per endpoint fed by totals that only grow: each scrape adds what came since */
function totalsCounter(registry: Registry, name: string, help: string, figures: () => EndpointStaging[], pick: (e: EndpointStaging) => number): void {
  const seen = new Map<string, number>();
  const c: Counter<'endpoint'> = new Counter({
    name, help, labelNames: ['endpoint'], registers: [registry],
    collect: () => {
      for (const e of figures()) {
        const now = pick(e);
        const before = seen.get(e.endpoint) ?? 0;
        // 0 is shown too: a series that exists from the first scrape
        c.inc({ endpoint: e.endpoint }, Math.max(0, now - before));
        seen.set(e.endpoint, Math.max(before, now));
      }
    },
  });
}

export function stagingMetrics(registry: Registry, figures: () => EndpointStaging[]): void {
  totalsCounter(registry, 'barge_archive_mounts_total', 'volumes mounted to stage files (the driver\'s count; failed mounts included)', figures, (e) => e.mounts);
  totalsCounter(registry, 'barge_archive_seek_seconds_total', 'seconds the drives spent locating (the driver\'s simulated or reported time)', figures, (e) => e.seekSeconds);
  totalsCounter(registry, 'barge_archive_files_read_total', 'files read from tape (a file found whole in the buffer, after a restart, is not read again)', figures, (e) => e.readFiles);
  totalsCounter(registry, 'barge_archive_staged_bytes_total', 'bytes staged into the buffer', figures, (e) => e.stagedBytes);
  const buffer: Gauge<'endpoint' | 'kind'> = new Gauge({
    name: 'barge_archive_buffer_bytes', help: 'the staging buffer: used (staged files), peak (most used since start) and quota',
    labelNames: ['endpoint', 'kind'], registers: [registry],
    collect: () => {
      buffer.reset();
      for (const e of figures()) {
        buffer.set({ endpoint: e.endpoint, kind: 'used' }, e.bufferUsedBytes);
        buffer.set({ endpoint: e.endpoint, kind: 'peak' }, e.bufferPeakBytes);
        buffer.set({ endpoint: e.endpoint, kind: 'quota' }, e.bufferQuotaBytes);
      }
    },
  });
  const files: Gauge<'endpoint' | 'state'> = new Gauge({
    name: 'barge_archive_files', help: 'files of the requests being staged, by stage state', labelNames: ['endpoint', 'state'], registers: [registry],
    collect: () => {
      files.reset();
      for (const e of figures()) for (const s of STAGE_STATES) files.set({ endpoint: e.endpoint, state: s }, e.files[s]);
    },
  });
}
