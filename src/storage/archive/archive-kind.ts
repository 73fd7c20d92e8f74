// The archive storage kind: a tape archive (HPSS-like) seen through its namespace tree, read
// through a staging buffer that its Stager fills, by the `sim` or the `command` driver.
import { PosixStorage } from '../posix/posix-storage.js';
import type { StorageKind } from '../storage-kind.js';
import { ArchiveStager } from './archive-stager.js';
import { ArchiveStorage } from './archive-storage.js';
import { ARCHIVE_KEYS, parseArchiveEndpoint, type ArchiveEndpoint } from './archive-config.js';
import { CommandDriver } from './command/command-driver.js';
import type { ArchiveDriver } from './driver.js';
import { SimDriver } from './sim/sim-driver.js';
import { stagingBuffer } from './staging-buffer.js';

export type { ArchiveEndpoint } from './archive-config.js';

function driverOf(e: ArchiveEndpoint): ArchiveDriver {
  const d = e.driver;
  if (d.name === 'command') return new CommandDriver({ locate: d.locate, stage: d.stage, archivePath: d.archivePath });
  return new SimDriver({
    root: e.path, volumes: d.volumes, seed: d.seed, drives: e.drives, timing: d.timing, scale: d.scale, faults: d.faults,
    ...(d.catalogue === undefined ? {} : { catalogue: d.catalogue }),
  });
}

function under(top: string, sub: string | undefined): string {
  return sub === undefined || sub === '' ? top : `${top}/${sub}`;
}

export const archiveKind: StorageKind<ArchiveEndpoint> = {
  kind: 'archive',
  keys: ARCHIVE_KEYS,
  parseEndpoint: parseArchiveEndpoint,

  open(endpoint, opts) {
    const sub = endpoint.sub ?? '';
    const root = under(endpoint.path, sub);
    const bufferRoot = under(endpoint.buffer, sub);
    // an agent serving peers reads on its one event loop: as posix does for it
    const reads = opts.forAgent ? { confineReads: true, asyncReads: true } : {};
    const namespace = new PosixStorage(root, { ...reads, ...(sub === '' ? {} : { base: endpoint.path }) });
    const buffer = new PosixStorage(bufferRoot, { ...reads, ...(sub === '' ? {} : { base: endpoint.buffer }) });
    const limits = { drives: endpoint.drives, batchSize: endpoint.batchSize, quotaBytes: endpoint.bufferQuota };
    const stager = new ArchiveStager(driverOf(endpoint), stagingBuffer(endpoint.buffer, endpoint.bufferQuota, endpoint.drives), limits, sub, endpoint.driver.timing);
    return new ArchiveStorage(root, namespace, buffer, stager, endpoint.buffer);
  },

  below: (endpoint, rel) => (rel === '' ? endpoint : { ...endpoint, sub: endpoint.sub ? `${endpoint.sub}/${rel}` : rel }),

  describe: (endpoint) => `archive:${under(endpoint.path, endpoint.sub)}`,
};
