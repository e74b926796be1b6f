/**
 * Builds the inspector, summary, comparison and Try it bundles exactly as scripts/build.mjs does
 * (esm, browser, es2022, .css as text), without the node bundles or other
 * webviews, so these tests do not depend on every other part compiling.
 */
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ENTRIES = ['inspector', 'summary', 'compare', 'tryModel'];

export async function buildWebviewBundles(): Promise<void> {
  const entries = ENTRIES.map((e) => ({ in: `webview-ui/src/entries/${e}.ts`, out: `webview/${e}` }));
  const result = await build({
    entryPoints: entries, outdir: join(ROOT, 'dist'), absWorkingDir: ROOT, bundle: true, platform: 'browser', target: 'es2022',
    format: 'esm', loader: { '.css': 'text' }, sourcemap: true, minify: false, logLevel: 'warning', write: false,
  });
  // Test files build in parallel workers while others read the bundles: write each output to a
  // temporary name and rename, so a reader never sees a half-written file.
  for (const f of result.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
}
