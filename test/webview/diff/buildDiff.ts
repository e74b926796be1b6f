/**
 * Builds dist/webview/diff.js as scripts/build.mjs does (esm, browser,
 * es2022, .css as text) and writes the harness page that loads it with the
 * fake VS Code API (test/webview/harness/harness.js) under a strict CSP.
 * Outputs are written to a temporary name and renamed: other test files
 * read dist/ in parallel.
 */
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../harness/buildWebview.js';

export const DIFF_PAGE = '/dist/test-pages/diff.html';

function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export async function buildDiffPage(): Promise<void> {
  await buildPanelBundles(['diff']);
  writeHarnessPage();
}

/** Bundles of the report panels (diff, energy) as scripts/build.mjs makes them. */
export async function buildPanelBundles(entries: string[]): Promise<void> {
  const result = await build({
    entryPoints: entries.map((e) => ({ in: `webview-ui/src/entries/${e}.ts`, out: `webview/${e}` })), outdir: join(ROOT, 'dist'), absWorkingDir: ROOT,
    bundle: true, platform: 'browser', target: 'es2022', format: 'esm', loader: { '.css': 'text' }, sourcemap: true, logLevel: 'warning', write: false,
  });
  for (const f of result.outputFiles) writeAtomic(f.path, f.contents);
}

function writeHarnessPage(): void {
  writeAtomic(
    join(ROOT, DIFF_PAGE),
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:">
<title>Diff harness</title>
<link rel="icon" href="data:,">
<script src="/test/webview/harness/harness.js"></script>
<script type="module" src="/dist/webview/diff.js"></script>
</head>
<body></body>
</html>
`,
  );
}
