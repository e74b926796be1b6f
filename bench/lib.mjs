// Helpers shared by the benchmarks: the repo root, medians, and bundling
// engine sources (TypeScript) into a plain-node module with esbuild so a
// bench measures the same code the CLI runs, without a prior `npm run build`.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Bundle `entry` (a path) or `contents` (TypeScript resolved from the repo
 * root) into `outfile` for node. tfjs stays external, as in the product
 * bundles, so it resolves from the repo's node_modules.
 */
export async function bundleForNode({ entry, contents, outfile, format = 'esm', logLevel = 'warning' }) {
  await build({
    ...(entry ? { entryPoints: [entry] } : { stdin: { contents, resolveDir: root, loader: 'ts' } }),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format,
    outfile,
    external: ['@tensorflow/*'],
    logLevel,
  });
  return outfile;
}
