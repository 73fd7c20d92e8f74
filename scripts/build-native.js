// The package's `install` script: builds the native addon with node-gyp, unless the one
// already built is current. npm runs `install` on `npm ci`, and again when the first
// `npx barge` in a checkout links this package into npx's cache; rebuilding there would
// compile a second time and rewrite the addon under any barge process using it.
// Current means: the addon exists, is newer than binding.gyp and every file under
// src/native, and loads in this Node.js (a Node.js of another ABI cannot load it).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const addon = join('build', 'Release', 'barge_native.node');
const inputs = ['binding.gyp', ...readdirSync(join('src', 'native')).map((n) => join('src', 'native', n))];

function staleReason() {
  if (process.env.BARGE_REBUILD_NATIVE === '1') return 'BARGE_REBUILD_NATIVE=1';
  if (!existsSync(addon)) return `${addon} does not exist`;
  const built = statSync(addon).mtimeMs;
  const newer = inputs.find((f) => statSync(f).mtimeMs > built);
  if (newer !== undefined) return `${newer} is newer than ${addon}`;
  try {
    createRequire(import.meta.url)(join(process.cwd(), addon));
  } catch (e) {
    return `${addon} does not load in Node.js ${process.version}: ${e instanceof Error ? e.message : String(e)}`;
  }
  return undefined;
}

const reason = staleReason();
if (reason === undefined) {
  console.log(`barge: native addon ${addon} is up to date`);
  process.exit(0);
}
console.log(`barge: building the native addon (${reason})`);
// npm puts its own node-gyp on PATH for package scripts
const r = spawnSync('node-gyp', ['rebuild'], { stdio: 'inherit', shell: process.platform === 'win32' });
if (r.error) {
  console.error(`barge: could not run node-gyp: ${r.error.message}`);
  process.exit(1);
}
process.exit(r.status ?? 1);
