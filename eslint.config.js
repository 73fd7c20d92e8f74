// Lint: type-aware rules, and the layers of docs/design.md as import restrictions. Each
// layer lists the folders it may import; everything else under src/ is refused. The
// fence is tested (test/lint-fence.test.ts): a file that crosses it fails the lint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeIo = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http',
  'child_process', 'node:child_process', 'worker_threads', 'node:worker_threads', 'os', 'node:os'];

/** the folders of src/, bottom to top */
export const FOLDERS = ['core', 'metrics', 'storage', 'transport', 'state', 'config', 'engine', 'coordinator', 'server', 'agent', 'cli'];

/** what each folder may import, besides itself (docs/design.md, Layout) */
export const MAY_IMPORT = {
  core: [],
  metrics: ['core'],
  storage: ['core'],
  transport: ['core', 'storage'],
  state: ['core'],
  config: ['core', 'storage'],
  engine: ['core', 'storage', 'transport', 'state'],
  coordinator: ['core', 'metrics', 'storage', 'transport', 'state', 'config', 'engine'],
  server: ['core', 'metrics', 'state', 'config'],
  agent: ['core', 'metrics', 'storage', 'transport', 'config', 'engine'],
  cli: FOLDERS.filter((f) => f !== 'cli'),
};

/** import patterns that reach folder `f` of src/ from anywhere below src/ */
const reach = (f) => [`../${f}/*`, `../../${f}/*`, `../../../${f}/*`, `../${f}/**`, `../../${f}/**`, `../../../${f}/**`];

export const fence = (folder) => {
  const refused = FOLDERS.filter((f) => f !== folder && !MAY_IMPORT[folder].includes(f));
  const patterns = [
    ...(refused.length > 0 ? [{ group: refused.flatMap(reach), message: `${folder} may import only ${[folder, ...MAY_IMPORT[folder]].join(', ')} (docs/design.md, Layout)` }] : []),
    { group: ['**/test/**', '**/test/*'], message: 'src never imports test/' },
  ];
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns,
        paths: folder === 'core' ? nodeIo.map((name) => ({ name, message: 'core is pure: no I/O (docs/design.md, Layout)' })) : [],
      }],
    },
  };
};

export default tseslint.config(
  // src/server/assets/: the dashboard's browser scripts, plain ES5 served as they are (the browser test runs them)
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'eslint.config.js', 'scripts/**', 'src/server/assets/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
      }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...FOLDERS.map(fence),
);
