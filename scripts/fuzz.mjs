// `npm run fuzz`: bundles the fuzz driver in test/fuzz (TypeScript) with
// esbuild and runs it. Flags: --cases N --seed S --format F --workers W
// --timeout MS --save DIR (see test/fuzz/main.ts).
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside node_modules so the bundle resolves esbuild (which it needs at run time) from the repo.
const cache = join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const out = mkdtempSync(join(cache, 'bitnet-lab-fuzz-'));
try {
  const file = join(out, 'fuzz-main.mjs');
  await build({
    entryPoints: [join(root, 'test', 'fuzz', 'main.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'error',
    // esbuild itself is needed at run time (the driver bundles the worker): keep it a real import.
    external: ['esbuild', 'vscode', '@tensorflow/*'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const { main } = await import(pathToFileURL(file).href);
  process.exitCode = await main(process.argv.slice(2), root);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
} finally {
  rmSync(out, { recursive: true, force: true });
}
