// Helpers shared by the benchmarks: the repo root, medians, and bundling
// engine sources (TypeScript) into a plain-node module with esbuild so a
// bench measures the same code the CLI runs, without a prior `npm run build`.
import { build } from 'esbuild';
import { appendFileSync } from 'node:fs';
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

/**
 * One headline ratio of a bench against its peer (PyTorch, llama.cpp, tfjs),
 * printed where it is measured and, under `npm run bench`, gathered into the
 * closing table of run.mjs (BITNET_LAB_BENCH_SUMMARY names the file it reads).
 * `target` is the ratio an issue asks for; higher is better for every ratio.
 */
export function reportRatio({ name, ratio, target, baseline, threads, backend, note = '' }) {
  const met = target === undefined ? '' : ratio >= target ? ' (target met)' : ` (target ${target}× not met)`;
  console.log(`ratio: ${name}: ${ratio.toFixed(2)}× ${baseline}${met} [threads ${threads}, ${backend}]${note ? ` — ${note}` : ''}`);
  const file = process.env.BITNET_LAB_BENCH_SUMMARY;
  if (file) appendFileSync(file, JSON.stringify({ name, ratio, target, baseline, threads, backend, note }) + '\n');
}
