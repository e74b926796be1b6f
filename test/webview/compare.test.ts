/**
 * The comparison panel in real Chromium: the exported self-contained HTML
 * (report in a JSON script tag, strict CSP) and the postMessage path, with a
 * fixture report produced by `compare --json` on a synthetic Llama-shaped
 * checkpoint (test/webview/compareFixture.py says how). Expected texts are
 * recomputed from the fixture here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComparisonReport } from '../../src/core/analysis/compare.js';
import { renderComparisonHtml } from '../../src/core/analysis/compareHtml.js';
import { startWebviewEnv, watchErrors, paintedPixels, RESULTS, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';

const report = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/compare-llama-1024x4.json'), 'utf8')) as ComparisonReport;
// The same report with the modelQuality block of a real 1,500-step MNIST run (`compare /tmp/q-run/fp.safetensors --json`) spliced in.
const withModelQuality = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/compare-llama-1024x4-model-quality.json'), 'utf8')) as ComparisonReport;
const PAGES = join(ROOT, 'dist/test-pages');

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
  mkdirSync(PAGES, { recursive: true });
  const html = renderComparisonHtml(report, readFileSync(join(ROOT, 'dist/webview/compare.js'), 'utf8'));
  writeFileSync(join(PAGES, 'compare-export.html'), html);
  writeFileSync(join(RESULTS, 'compare.html'), html);
  writeFileSync(join(PAGES, 'compare-model-quality.html'), renderComparisonHtml(withModelQuality, readFileSync(join(ROOT, 'dist/webview/compare.js'), 'utf8')));
  writeFileSync(join(PAGES, 'compare-empty.html'), '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><script type="module" src="/dist/webview/compare.js"></script></body></html>');
});
afterAll(async () => {
  await env?.close();
});

describe('comparison panel', () => {
  it('renders every section of the exported HTML under its CSP, with drawn charts', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(10_000);
    const errors = watchErrors(page);
    await page.goto(`${env.url}/dist/test-pages/compare-export.html`);
    await page.waitForSelector('#cmp-energy');
    expect(await page.textContent('.cmp-title')).toBe('llama-1024x4.safetensors');
    for (const id of ['cmp-memory', 'cmp-speed', 'cmp-quality', 'cmp-energy']) expect(await page.$(`#${id}`)).not.toBeNull();
    for (const id of ['chart-memory', 'chart-resident', 'chart-speed', 'chart-quality', 'chart-energy']) {
      expect(await paintedPixels(page, `#${id} canvas`)).toBeGreaterThan(500);
    }
    const energyText = (await page.textContent('#cmp-energy')) ?? '';
    expect(energyText).toContain(`= ${report.energy.headline.ratio.toFixed(2)}×`);
    expect(energyText).toContain(report.energy.table.source);
    expect(energyText).toContain('not a wattmeter');
    expect(await page.$$eval('#cmp-energy table.cmp-table tbody tr', (rows) => rows.map((r) => r.textContent))).toEqual([
      `FP32${report.energy.table.fp32.add}${report.energy.table.fp32.mul}`,
      `FP16${report.energy.table.fp16.add}${report.energy.table.fp16.mul}`,
      `INT8${report.energy.table.int8.add}${report.energy.table.int8.mul}`,
    ]);
    const chartBars = await page.$eval('#chart-speed', (c) => (c as unknown as { bars: unknown[] }).bars.length);
    expect(chartBars).toBe(2 * report.speed.shapes.length);
    expect(await page.$eval('#chart-quality', (c) => (c as unknown as { bars: unknown[] }).bars.length)).toBe(report.quality.layers.length);
    expect(await page.textContent('.cmp-prov')).toContain(report.provenance.machine);
    const resident = report.memory.resident!;
    expect(await page.textContent('#cmp-memory')).toContain(`×${(resident.fp32Bytes / resident.ternaryBytes).toFixed(1)}`);
    await page.screenshot({ path: join(RESULTS, 'compare.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the FP / PTQ / QAT table when the report has model quality, and a reason when it has none', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(10_000);
    const errors = watchErrors(page);
    await page.goto(`${env.url}/dist/test-pages/compare-model-quality.html`);
    await page.waitForSelector('#cmp-model-quality table');
    const mq = withModelQuality.modelQuality!;
    const rows = await page.$$eval('#cmp-model-quality table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    expect(rows.map((r) => r.slice(0, 3))).toEqual(mq.rows.map((r) => [
      { fp: 'FP (full precision)', ptq: 'PTQ (post-training ternary)', qat: 'QAT (BitNet, ternary)' }[r.variant], r.loss.toFixed(4), `${(100 * r.metric).toFixed(2)}%`,
    ]));
    expect(await page.textContent('#cmp-model-quality')).toContain(mq.dataset);
    // The per-layer chart is still drawn below the table.
    expect(await paintedPixels(page, '#chart-quality canvas')).toBeGreaterThan(500);
    await page.screenshot({ path: join(RESULTS, 'compare-model-quality.png'), fullPage: true });
    await page.goto(`${env.url}/dist/test-pages/compare-export.html`);
    await page.waitForSelector('#cmp-model-quality');
    expect(await page.$('#cmp-model-quality table')).toBeNull();
    expect(await page.textContent('#cmp-model-quality')).toContain('End-to-end quality not measured');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows a dark colour scheme outside VS Code (fallback colours)', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1100, height: 900 }, colorScheme: 'dark' });
    const errors = watchErrors(page);
    await page.goto(`${env.url}/dist/test-pages/compare-export.html`);
    await page.waitForSelector('#cmp-energy');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(30, 30, 30)');
    expect(await paintedPixels(page, '#chart-energy canvas')).toBeGreaterThan(500);
    await page.screenshot({ path: join(RESULTS, 'compare-dark.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('renders a report posted as {type: "report"} and ignores other messages', async () => {
    const page = await env.browser.newPage({ viewport: { width: 900, height: 700 } });
    page.setDefaultTimeout(10_000);
    const errors = watchErrors(page);
    await page.goto(`${env.url}/dist/test-pages/compare-empty.html`);
    await page.waitForSelector('.cmp-empty');
    await page.evaluate(() => window.postMessage({ type: 'something-else' }, '*'));
    await page.evaluate((r) => window.postMessage({ type: 'report', report: r }, '*'), report as unknown as Record<string, unknown>);
    await page.waitForSelector('#cmp-speed');
    expect(await page.textContent('.cmp-title')).toBe('llama-1024x4.safetensors');
    expect(await page.$$('.cmp-section')).toHaveLength(4);
    expect(errors).toEqual([]);
    await page.close();
  });
});
