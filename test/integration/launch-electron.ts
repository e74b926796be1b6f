/**
 * The same suite under @vscode/test-electron, for machines that can download
 * VS Code (a developer box, public CI). On Linux without a display, run it
 * under xvfb-run. Screenshots are a code-server-launcher feature only.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { bundleSuite, checkBuilt, OUT_DIR } from './bundleSuite.js';
import type { SuiteResult } from './suite/harness.js';
import { createWorkspace, REPO } from './workspace.js';

export async function runInElectron(version = process.env.BITNET_LAB_VSCODE_VERSION ?? 'stable'): Promise<SuiteResult> {
  checkBuilt();
  rmSync(OUT_DIR, { recursive: true, force: true });
  const cfg = createWorkspace(OUT_DIR, false);
  const suite = await bundleSuite(cfg);
  try {
    try {
      await runTests({
        version,
        extensionDevelopmentPath: REPO,
        extensionTestsPath: suite,
        launchArgs: [cfg.workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(cfg.workspace, '.vscode-user')],
      });
    } catch (e) {
      // run() rejects when a test failed; the result file says which. No file: VS Code itself failed.
      try {
        return JSON.parse(readFileSync(cfg.resultFile, 'utf8')) as SuiteResult;
      } catch {
        throw e;
      }
    }
    return JSON.parse(readFileSync(cfg.resultFile, 'utf8')) as SuiteResult;
  } finally {
    rmSync(cfg.workspace, { recursive: true, force: true });
  }
}
