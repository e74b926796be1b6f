/** Bundles the in-host test suite (vscode stays external) and writes its config next to it. */
import { build } from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, type SuiteConfig } from './workspace.js';

export const OUT_DIR = join(REPO, 'out', 'integration');

export async function bundleSuite(cfg: SuiteConfig, outDir = OUT_DIR): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'suite.js');
  await build({
    entryPoints: [join(REPO, 'test', 'integration', 'suite', 'index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  writeFileSync(join(outDir, 'config.json'), JSON.stringify(cfg, null, 2));
  return outfile;
}

export function checkBuilt(): void {
  for (const f of ['dist/extension.js', 'dist/jobWorker.js']) {
    if (!existsSync(join(REPO, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
}
