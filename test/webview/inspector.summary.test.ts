/** The sidebar summary webview: headline numbers from the same event stream as the inspector. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointReport } from '../../src/core/analysis/report.js';
import { toRow } from '../../src/protocol/inspector.js';
import { startWebviewEnv, watchErrors, RESULTS, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';

const report = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/llama-30l.json'), 'utf8')) as CheckpointReport;

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
});
afterAll(async () => {
  await env?.close();
});

it('shows parameter-weighted means and sizes, and clears', async () => {
  const page = await env.browser.newPage({ viewport: { width: 300, height: 420 } });
  page.setDefaultTimeout(10_000);
  const errors = watchErrors(page);
  await page.goto(`${env.url}/test/webview/harness/summary.html?theme=dark`);
  await page.waitForFunction(() => window.__posted?.some((m: { type: string }) => m.type === 'ready'));
  expect(await page.textContent('bn-summary')).toContain('Open a .safetensors checkpoint');
  const init = {
    type: 'init', fileName: report.file, format: report.format, metadata: {}, rows: report.tensors.map(toRow), totals: report.totals,
    settings: { method: 'absmean', include: [], exclude: [], backend: 'auto' },
  };
  await page.evaluate((m) => window.__send(m), init);
  await page.evaluate((m) => window.__send(m), { type: 'analysisDone', totals: report.totals, provenance: report.provenance, backend: 'wasm', cached: true });
  await page.waitForSelector('.bn-summary');
  // Independent recomputation of the parameter-weighted mean zero share.
  let w = 0;
  let z = 0;
  for (const t of report.tensors) {
    if (!t.quantized || !t.stats) continue;
    w += t.params;
    z += t.params * t.stats.zeroFraction;
  }
  const text = (await page.textContent('.bn-summary'))!;
  expect(text).toContain(`${((z / w) * 100).toFixed(1)}%`);
  expect(text).toContain('2.74B');
  expect(text).toContain(`${report.tensors.filter((t) => t.stats).length} / ${report.tensors.filter((t) => t.quantized).length}`);
  await page.screenshot({ path: join(RESULTS, 'inspector-summary.png') });
  await page.evaluate(() => window.__send({ type: 'clear' }));
  await page.waitForFunction(() => document.querySelector('.bn-summary') === null);
  expect(errors).toEqual([]);
  await page.close();
});
