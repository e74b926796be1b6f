// One build for every bundle. Entries that do not exist yet are skipped, so
// each part of the product joins the build by creating its entry file.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdirArg = process.argv.find((a) => a.startsWith('--outdir='));
// --outdir=DIR builds elsewhere than dist/ (the production-build test, without touching dist/).
const dist = outdirArg ? resolve(root, outdirArg.slice('--outdir='.length)) : join(root, 'dist');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

mkdirSync(dist, { recursive: true });

// Steps that generate sources or assets before bundling (e.g. WAT → wasm).
for (const step of ['build-kernels.mjs', 'build-torchrun.mjs']) {
  const p = join(root, 'scripts', step);
  if (existsSync(p)) await (await import(p)).default({ root, dist });
}

/** Node bundles: CLI, extension host, job process. */
const nodeEntries = [
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/jobs/worker.ts', out: 'jobWorker' },
  // The resident-memory probe (src/core/analysis/residentMemory.ts) runs as a process of its own.
  { in: 'scripts/rssProbe.ts', out: 'rssProbe' },
].filter((e) => existsSync(join(root, e.in)));

/** Browser bundles for webviews: every top-level *.ts in webview-ui/src/entries. */
const webDir = join(root, 'webview-ui/src/entries');
const webEntries = existsSync(webDir)
  ? readdirSync(webDir).filter((f) => f.endsWith('.ts')).map((f) => ({ in: `webview-ui/src/entries/${f}`, out: `webview/${f.slice(0, -3)}` }))
  : [];

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
  // The integration tests' levers on the host (src/extension/testingApi.ts) ship only in development builds.
  define: { __BITNET_TEST_HOOKS__: production ? 'false' : 'true' },
};

for (const e of nodeEntries) {
  await build({
    ...common,
    entryPoints: [{ in: e.in, out: e.out }],
    outdir: dist,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // tfjs stays in node_modules: tfjs-node is native and optional, and it must
    // register with the same single copy of tfjs-core that we use; the wasm
    // backend finds its .wasm binaries next to its own module.
    external: ['vscode', '@tensorflow/*'],
    // CJS has no import.meta; give modules that need their own URL the real one.
    define: { ...common.define, 'import.meta.url': '__bitnetImportMetaUrl' },
    banner: { js: `${e.banner ? `${e.banner}\n` : ''}const __bitnetImportMetaUrl = require('url').pathToFileURL(__filename).href;` },
  });
  if (e.banner) chmodSync(join(dist, `${e.out}.js`), 0o755);
}

if (webEntries.length > 0) {
  await build({
    ...common,
    entryPoints: webEntries,
    outdir: dist,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    loader: { '.css': 'text' },
  });
}

if (watch) console.log('watch mode is not implemented; re-run npm run build');
console.log(`built ${nodeEntries.length} node bundle(s), ${webEntries.length} webview bundle(s) into ${dist}`);
