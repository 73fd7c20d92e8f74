// This build's version, from package.json (`barge --version`, the server's /api/version,
// and what an agent tells its coordinator when it enrols).
import { createRequire } from 'node:module';

export const BARGE_VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
