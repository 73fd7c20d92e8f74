// The dashboard's scripts and styles, served from the package itself (no CDN): htmx and
// uPlot from their npm packages, dashboard.js and dashboard.css from src/server/assets/.
// Read once at start and served from memory with an ETag; only these names are served.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { ASSET_PREFIX } from './html.js';

const require = createRequire(import.meta.url);
/** this file is dist/src/server/pages/assets.js; the package's root is four folders up */
const OWN = (name: string): string => fileURLToPath(new URL(`../../../../src/server/assets/${name}`, import.meta.url));

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** name served -> where it is and its content type */
export const ASSET_FILES: Readonly<Record<string, { file: () => string; type: string }>> = {
  'htmx.min.js': { file: () => require.resolve('htmx.org/dist/htmx.min.js'), type: JS },
  'uPlot.iife.min.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: JS },
  'uPlot.min.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: CSS },
  'dashboard.js': { file: () => OWN('dashboard.js'), type: JS },
  'dashboard.css': { file: () => OWN('dashboard.css'), type: CSS },
};

interface Loaded { body: Buffer; type: string; etag: string }

export function loadAssets(): Map<string, Loaded> {
  const out = new Map<string, Loaded>();
  for (const [name, a] of Object.entries(ASSET_FILES)) {
    const body = readFileSync(a.file());
    out.set(name, { body, type: a.type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return out;
}

export function assetRoutes(app: FastifyInstance): void {
  const assets = loadAssets();
  app.get(`${ASSET_PREFIX}:name`, { config: { public: true }, schema: { hide: true } }, (req, reply) => {
    const { name } = req.params as { name: string };
    const a = assets.get(name);
    if (a === undefined) return reply.status(404).type('text/plain').send(`no asset ${name}`);
    void reply.header('etag', a.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
    if (req.headers['if-none-match'] === a.etag) return reply.status(304).send();
    return reply.type(a.type).send(a.body);
  });
}
