/**
 * The exported HTML of the energy and diff panels in real Chromium: the
 * page's own bundle inline, the report embedded, only the inline script's
 * hash admitted by the CSP — no VS Code, no network. Reports are real engine
 * output (energy: `cd test/fixtures/torch && bitnet-lab energy
 * tiny_llama.safetensors --node 45nm --tokens 500 --json`; diff: see
 * test/webview/diff/diffFixture.py).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointDiff } from '../../src/core/analysis/diff.js';
import type { CheckpointEnergyReport } from '../../src/core/analysis/energyCheckpoint.js';
import { REPORT_KINDS } from '../../src/extension/panels/reportKinds.js';
import { paintedPixels, RESULTS, startWebviewEnv, watchErrors, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';
import { buildPanelBundles } from './diff/buildDiff.js';

const energy = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/energy-tiny-45nm.json'), 'utf8')) as CheckpointEnergyReport;
const diff = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/diff-llama-8l.json'), 'utf8')) as CheckpointDiff;
const PAGES = join(ROOT, 'dist/test-pages');

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
  await buildPanelBundles(['energy', 'diff']);
  mkdirSync(PAGES, { recursive: true });
  const bundle = (kind: string): string => readFileSync(join(ROOT, `dist/webview/${kind}.js`), 'utf8');
  writeFileSync(join(PAGES, 'energy-export.html'), REPORT_KINDS.energy.html(energy, bundle('energy')));
  writeFileSync(join(PAGES, 'diff-export.html'), REPORT_KINDS.diff.html(diff, bundle('diff')));
});
afterAll(async () => {
  await env?.close();
});

describe('exported panel reports', () => {
  it('energy: totals per format, per-layer bars, the table, formulas and the headline, under the hash CSP', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(10_000);
    const errors = watchErrors(page);
    await page.goto(`${env.url}/dist/test-pages/energy-export.html`);
    await page.waitForSelector('#en-model');
    expect(await page.textContent('.cmp-title')).toBe('tiny_llama.safetensors');
    expect(await paintedPixels(page, '#en-chart-totals canvas')).toBeGreaterThan(500);
    expect(await paintedPixels(page, '#en-chart-layers canvas')).toBeGreaterThan(500);
    const bars = await page.$eval('#en-chart-totals', (c) => (c as unknown as { bars: Array<{ label: string; value: number }> }).bars);
    expect(bars.map((b) => b.value)).toEqual(energy.totals.map((t) => t.pjPerToken));
    expect(await page.$eval('#en-chart-layers', (c) => (c as unknown as { bars: unknown[] }).bars.length)).toBe(Math.min(12, energy.layers.length));
    // The headline recomputed from the table: (FP16 add + mul) / INT8 add.
    const t = energy.table;
    expect(await page.textContent('#en-model')).toContain(`= ${((t.fp16.add + t.fp16.mul) / t.int8.add).toFixed(2)}×`);
    expect(await page.textContent('.cmp-sub')).toContain('45nm · 500 tokens');
    expect(await page.$('#en-export')).toBeNull(); // no VS Code, no export button
    await page.screenshot({ path: join(RESULTS, 'energy.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('diff: the static page draws its charts and table from the embedded report', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${env.url}/dist/test-pages/diff-export.html`);
    await page.waitForSelector('#df-table tbody tr');
    expect(await page.$$eval('#df-table tbody tr', (r) => r.length)).toBe((diff as { tensors: unknown[] }).tensors.length);
    expect(await paintedPixels(page, '#df-chart-flips canvas')).toBeGreaterThan(1000);
    expect(errors).toEqual([]);
    await page.close();
  });
});
