// Lint: typescript-eslint's recommended rules and the layer boundaries of design.md ("Shape of
// the code"). `npm run lint` runs this and then the per-layer type checks (scripts/typecheck.mjs).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './scripts/lint/layers.mjs';

const root = dirname(fileURLToPath(import.meta.url));

/** Packages that belong to one layer only. */
const VSCODE = ['vscode'];
const TFJS = ['@tensorflow/*'];
const PAGE_LIBRARIES = ['lit', '@vscode-elements/*', 'uplot'];

/**
 * What each folder may import. `mayImport`: other layers it may import anything from;
 * `mayImportTypes`: layers it may take `import type` from only; `mayImportValues`: the pure
 * modules of a layer it may import values from; `packages`: the only packages allowed (a list
 * that allows), or `deniedPackages` (a list that forbids).
 */
const layers = {
  'src/core': {
    mayImport: [],
    deniedPackages: [...VSCODE, ...PAGE_LIBRARIES],
    why: 'the engine knows nothing of VS Code, the terminal, the job process or the webviews',
  },
  'src/protocol': {
    mayImport: [],
    mayImportTypes: ['src/core'],
    // Enumerations the schemas check against, from pure modules (no Node, no tfjs): the pages load protocol too.
    mayImportValues: { 'src/core': ['src/core/quant/types.ts', 'src/core/analysis/energy.ts'] },
    packages: ['valibot'],
    why: 'messages are plain data shared by the host, the job process and the pages',
  },
  'src/jobs': {
    mayImport: ['src/core', 'src/protocol'],
    deniedPackages: [...VSCODE, ...PAGE_LIBRARIES],
    why: 'the job process and its client run without VS Code',
  },
  'src/cli': {
    mayImport: ['src/core', 'src/protocol', 'src/jobs'],
    deniedPackages: [...VSCODE, ...PAGE_LIBRARIES],
    why: 'the CLI is the engine\'s face in a terminal',
  },
  'src/extension': {
    mayImport: ['src/core', 'src/protocol', 'src/jobs'],
    deniedPackages: [...TFJS, ...PAGE_LIBRARIES],
    typePackages: [],
    why: 'tfjs lives in the job process only, never on the extension host',
  },
  'webview-ui': {
    mayImport: ['src/protocol'],
    mayImportTypes: ['src/core'],
    // Pure modules (no Node, no tfjs) whose values the pages share with the CLI.
    mayImportValues: { 'src/core': ['src/core/quant/types.ts', 'src/core/format.ts'] },
    packages: ['valibot', ...PAGE_LIBRARIES],
    why: 'pages see only messages and the plain types they carry',
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '**/generated/**', '.vscode-test/**'] },
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [tseslint.configs.recommended],
    plugins: { layers: layersPlugin },
    rules: {
      'layers/imports': ['error', { root, layers }],
      // `_name` marks a value kept on purpose (destructuring it away, an unused parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_' }],
    },
  },
);
