// Lint: type-aware rules, and the layer rules of DESIGN.md as import restrictions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeIo = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http',
  'child_process', 'node:child_process', 'worker_threads', 'node:worker_threads', 'os', 'node:os'];
const layer = (files, forbidden, message) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', {
      patterns: forbidden.map((group) => ({ group: [group], message })),
      paths: [],
    }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'eslint.config.js', 'scripts/**'] },
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
  // core is pure: no I/O, no other layer
  {
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: nodeIo.map((name) => ({ name, message: 'core is pure: no I/O (DESIGN.md, Layout)' })),
        patterns: [{ group: ['../storage/*', '../engine/*', '../cli/*', '../transport/*', '../state/*',
          '../*/storage/*', '../*/engine/*', '../*/cli/*'], message: 'core imports nothing outside core' }],
      }],
    },
  },
  layer(['src/storage/**/*.ts', 'src/transport/**/*.ts', 'src/state/**/*.ts'],
    ['**/engine/*', '**/cli/*', '**/coordinator/*', '**/server/*', '**/agent/*'],
    'storage/transport/state import only core'),
  layer(['src/engine/**/*.ts'], ['**/cli/*', '**/coordinator/*', '**/server/*', '**/agent/*'],
    'engine imports storage/transport/state/core only'),
  layer(['src/coordinator/**/*.ts', 'src/server/**/*.ts', 'src/agent/**/*.ts'], ['**/cli/*'],
    'nothing imports cli'),
);
