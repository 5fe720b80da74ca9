// Lint rules, including the import boundaries of ARCHITECTURE.md:
// shared imports no Node, DOM or Electron; the renderer never imports main or Node;
// only src/main/electron (and the preload) import electron.
// Imports between the project's own folders follow the allowlist in eslint/module-rules.js
// (outpost/layers), and src/ has no import cycles (outpost/no-cycles).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import moduleRules from './eslint/module-rules.js';

const NODE_BUILTINS = ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'events', 'url', 'zlib', 'stream', 'worker_threads'];
const nodePaths = NODE_BUILTINS.map((name) => ({ name, message: 'This layer must not import Node modules.' }));
const nodePatterns = [{ group: ['node:*'], message: 'This layer must not import Node modules.' }];
const electronPattern = { group: ['electron', 'electron/*', 'electron-updater'], message: 'Only src/main/electron may import electron.' };

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'migrations/**', 'playwright-report/**', 'test-results/**', '.migrations-check-*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { patterns: [electronPattern] }],
    },
  },
  {
    files: ['**/*.{ts,tsx,mts,cts,js,mjs,cjs}'],
    plugins: { outpost: moduleRules },
    rules: { 'outpost/layers': 'error', 'outpost/no-cycles': 'error' },
  },
  {
    files: ['src/shared/**'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodePaths,
          patterns: [
            ...nodePatterns,
            electronPattern,
            { group: ['**/main/**', '**/renderer/**', '**/server/**', '**/preload/**', 'react', 'react-dom', '@mantine/*'], message: 'src/shared imports nothing platform-specific.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodePaths,
          patterns: [
            ...nodePatterns,
            electronPattern,
            { group: ['**/main/**', '**/server/**', '**/preload/**', 'better-sqlite3', 'better-sqlite3-multiple-ciphers', 'drizzle-orm', 'drizzle-orm/*', 'pg'], message: 'The renderer talks to main only through the typed client.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [electronPattern, { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'The server depends on src/shared only.' }] },
      ],
    },
  },
  { files: ['src/main/electron/**', 'src/preload/**'], rules: { 'no-restricted-imports': 'off' } },
);
