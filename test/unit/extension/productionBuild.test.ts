/**
 * What the packaged extension exports: `npm run package` bundles with
 * `scripts/build.mjs --production`, which must leave the integration tests'
 * levers on the host (TestHooks in src/extension/testingApi.ts) out of the
 * API. esbuild keeps property names when it minifies, so a member of the
 * returned API object is in the bundle text exactly when it is in the API.
 * The development build is checked too, so the test fails if the names it
 * looks for stop meaning anything.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..', '..');
const HOOKS = ['killJobProcess', 'cancelFromProgress'];
let dir: string;

function buildInto(out: string, production: boolean): string {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), `--outdir=${out}`, ...(production ? ['--production'] : [])], { cwd: ROOT, stdio: 'pipe' });
  return readFileSync(join(out, 'extension.js'), 'utf8');
}

let production: string;
let development: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bitnet-build-'));
  production = buildInto(join(dir, 'production'), true);
  development = buildInto(join(dir, 'development'), false);
}, 600_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the production build', () => {
  it('exports the testing snapshots but none of the test hooks', () => {
    // (Booleans, not the bundle text, so a failure does not print a megabyte of JavaScript.)
    for (const hook of HOOKS) {
      expect(development.includes(hook), `development build has ${hook}`).toBe(true);
      expect(production.includes(hook), `production build leaks ${hook}`).toBe(false);
    }
    // The read-only snapshots stay.
    expect(production.includes('jobProcessPid')).toBe(true);
  });

  it('never loads tfjs on the extension host, in either build', () => {
    // tfjs is external and loaded by name (core/backend.ts), so a bundle that can load it names the package.
    for (const bundle of [production, development]) expect(bundle.includes('@tensorflow/'), 'the host bundle names a tfjs package').toBe(false);
    // The job process does: the check above would be vacuous if the name were spelt differently.
    expect(readFileSync(join(dir, 'development', 'jobWorker.js'), 'utf8').includes('"@tensorflow/tfjs"')).toBe(true);
  });
});
