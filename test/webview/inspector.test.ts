/**
 * The checkpoint inspector webview in real Chromium, driven through the
 * harness that fakes VS Code's webview API (harness/harness.js). Expected
 * values come from the fixture report itself, recomputed here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { CheckpointReport } from '../../src/core/analysis/report.js';
import { startWebviewEnv, watchErrors, paintedPixels, renderedNames, RESULTS, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';

const REPORT_PATH = 'test/fixtures/reports/llama-30l.json';
const report = JSON.parse(readFileSync(join(ROOT, REPORT_PATH), 'utf8')) as CheckpointReport;

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
});
afterAll(async () => {
  await env?.close();
});

async function openInspector(theme: 'dark' | 'light' = 'dark', extra = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(10_000);
  const errors = watchErrors(page);
  await page.goto(`${env.url}/test/webview/harness/index.html?auto=1&theme=${theme}&report=/${REPORT_PATH}${extra}`);
  await page.waitForSelector('.bn-row');
  return { page, errors };
}

describe('inspector webview', () => {
  it('renders the header, the table and the charts for a 30-layer report', async () => {
    const { page, errors } = await openInspector('dark');
    expect(await page.textContent('.bn-title')).toBe('model-30l.safetensors');
    expect(await page.textContent('.bn-count')).toBe(`${report.tensors.length} tensors`);
    expect(await page.getAttribute('.bn-table-scroller', 'aria-rowcount')).toBe(String(report.tensors.length + 1));
    // File order by default.
    const names = await renderedNames(page);
    expect(names.slice(0, 3)).toEqual(report.tensors.slice(0, 3).map((t) => t.name));
    // Non-quantized rows say why; the error row shows its error; the NaN row is flagged.
    expect(await page.textContent('.bn-row[data-name="model.embed_tokens.weight"] .bn-reason')).toContain('embedding');
    await page.fill('#bn-filter >> input', 'layers.29.mlp.up');
    await page.waitForFunction(() => document.querySelectorAll('.bn-row').length === 1);
    expect(await page.textContent('.bn-row .bn-row-error')).toContain('truncated data');
    await page.fill('#bn-filter >> input', 'layers.17.mlp.down');
    await page.waitForFunction(() => document.querySelector('.bn-row .bn-flag') !== null);
    expect(await page.textContent('.bn-row .bn-flag')).toContain('NaN/Inf 3');
    await page.fill('#bn-filter >> input', '');
    // Memory chart and both per-layer charts are drawn, with one legend entry per projection kind.
    for (const sel of ['#chart-memory canvas', '#chart-gamma canvas', '#chart-zero canvas']) expect(await paintedPixels(page, sel)).toBeGreaterThan(500);
    expect(await page.$$eval('#chart-gamma .bn-legend-item', (b) => b.map((x) => x.textContent?.trim()))).toEqual(['q', 'k', 'v', 'o', 'gate', 'up', 'down']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sorts by γ (largest first, then ascending) and filters by name', async () => {
    const { page } = await openInspector();
    await page.click('.bn-sort[data-col="gamma"]');
    const expected = report.tensors
      .filter((t) => t.stats !== null)
      .map((t) => ({ name: t.name, g: t.stats!.gamma }))
      .sort((a, b) => b.g - a.g);
    let names = await renderedNames(page);
    const gammaOf = (n: string) => report.tensors.find((t) => t.name === n)!.stats!.gamma;
    expect(names[0]).toBe(expected[0]!.name);
    const shown = names.slice(0, 20).map(gammaOf);
    for (let i = 1; i < shown.length; i++) expect(shown[i]!).toBeLessThanOrEqual(shown[i - 1]!);
    expect(await page.getAttribute('[role="columnheader"]:has(.bn-sort[data-col="gamma"])', 'aria-sort')).toBe('descending');
    // Keyboard: Enter on the focused header toggles the direction.
    await page.focus('.bn-sort[data-col="gamma"]');
    await page.keyboard.press('Enter');
    names = await renderedNames(page);
    expect(names[0]).toBe(expected[expected.length - 1]!.name);

    await page.fill('#bn-filter >> input', 'Q_PROJ');
    await page.waitForFunction(() => document.querySelector('.bn-count')?.textContent?.startsWith('30 of'));
    names = await renderedNames(page);
    expect(names.length).toBe(30);
    expect(names.every((n) => n.includes('q_proj'))).toBe(true);
    await page.close();
  });

  it('selecting a row requests its histogram and draws it with thresholds; arrows and Enter work', async () => {
    const { page, errors } = await openInspector();
    const name = 'model.layers.3.self_attn.k_proj.weight';
    await page.click(`.bn-row[data-name="${name}"]`);
    await page.waitForFunction(() => document.querySelector('bn-histogram canvas') !== null);
    const posted = (await page.evaluate(() => (window as unknown as { __posted: { type: string; name?: string }[] }).__posted)) as { type: string; name?: string }[];
    expect(posted[0]!.type).toBe('ready');
    expect(posted.filter((m) => m.type === 'getHistogram').map((m) => m.name)).toEqual([name]);
    await page.waitForFunction(() => {
      const c = document.querySelector('bn-histogram canvas') as HTMLCanvasElement | null;
      return c !== null && c.width > 0;
    });
    await page.waitForTimeout(100);
    expect(await paintedPixels(page, 'bn-histogram canvas')).toBeGreaterThan(1000);
    const t = report.tensors.find((x) => x.name === name)!.stats!;
    expect(await page.textContent('.bn-detail-title')).toBe(name);
    expect(await page.textContent('.bn-stats')).toContain(String(Number(t.gamma.toPrecision(4))));
    expect(await page.textContent('.bn-split-labels')).toContain(`${((t.zeros / (t.zeros + t.plus + t.minus)) * 100).toFixed(1)}%`);
    await page.screenshot({ path: join(RESULTS, 'inspector-detail.png'), fullPage: true });

    // Keyboard: the selected row holds focus; ArrowDown moves the selection, Enter opens it.
    await page.focus(`.bn-row[data-name="${name}"]`);
    await page.keyboard.press('ArrowDown');
    const next = report.tensors[report.tensors.findIndex((x) => x.name === name) + 1]!.name;
    await page.waitForFunction((n) => document.activeElement?.getAttribute('data-name') === n, next);
    expect(await page.getAttribute(`.bn-row[data-name="${next}"]`, 'aria-selected')).toBe('true');
    await page.keyboard.press('Enter');
    await page.waitForFunction((n) => document.querySelector('.bn-detail-title')?.textContent === n, next);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps sort, filter, selection and scroll across a reload (vscode.setState)', async () => {
    const { page } = await openInspector();
    await page.$eval('.bn-table-scroller', (s) => (s.scrollTop = 1000));
    await page.waitForTimeout(300);
    await page.reload();
    await page.waitForSelector('.bn-row');
    await page.waitForFunction(() => document.querySelector('.bn-table-scroller')!.scrollTop === 1000);
    await page.click('.bn-sort[data-col="zero"]');
    await page.fill('#bn-filter >> input', 'mlp');
    await page.click('.bn-row >> nth=2');
    const chosen = await page.getAttribute('.bn-row.is-selected', 'data-name');
    await page.waitForTimeout(300); // state is saved debounced
    await page.reload();
    await page.waitForSelector('.bn-row');
    expect(await page.inputValue('#bn-filter >> input')).toBe('mlp');
    expect(await page.getAttribute('[role="columnheader"]:has(.bn-sort[data-col="zero"])', 'aria-sort')).toBe('descending');
    expect(await page.getAttribute('.bn-row.is-selected', 'data-name')).toBe(chosen);
    expect(await page.textContent('.bn-detail-title')).toBe(chosen);
    await page.close();
  });

  it('posts reanalyze, export, settings and cancel requests', async () => {
    const { page, errors } = await openInspector();
    // The real dropdown (vscode-single-select renders its list in its shadow root), under the strict CSP.
    await page.click('#bn-method');
    await page.click('#bn-method li[role="option"]:has-text("median"), #bn-method li.option:has-text("median")');
    await page.screenshot({ path: join(RESULTS, 'inspector-method.png'), clip: { x: 700, y: 0, width: 700, height: 200 } });
    await page.click('#bn-export-json');
    await page.click('#bn-export-html');
    await page.click('#bn-settings');
    const posted = await page.evaluate(() => window.__posted.slice(1));
    expect(posted).toEqual([{ type: 'reanalyze', method: 'median' }, { type: 'exportReport', format: 'json' }, { type: 'exportReport', format: 'html' }, { type: 'openSettings' }]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('streams rows into a table that starts header-only, and reveals on request', async () => {
    const { page } = await openInspector('dark', '&stream=1');
    expect(await page.$$eval('.bn-pending', (x) => x.length)).toBeGreaterThan(0);
    await page.evaluate(() => window.__send({ type: 'progress', done: 10, total: 210, label: 'model.layers.1.self_attn.q_proj.weight' }));
    await page.waitForSelector('#bn-cancel');
    await page.click('#bn-cancel');
    const rows = report.tensors.slice(0, 12).map((t) => {
      if (!t.stats) return { ...t, stats: null };
      const { histogram, ...rest } = t.stats;
      return { ...t, stats: { ...rest, histogramBins: histogram.counts.length } };
    });
    await page.evaluate((r) => window.__send({ type: 'rows', rows: r }), rows);
    const q0 = report.tensors[2]!;
    await page.waitForFunction((n) => document.querySelector(`.bn-row[data-name="${n}"] .bn-pending`) === null, q0.name);
    expect(await page.textContent(`.bn-row[data-name="${q0.name}"]`)).toContain(`${(q0.stats!.zeroFraction * 100).toFixed(1)}%`);
    expect(await page.$$eval(`.bn-row[data-name="${report.tensors[20]!.name}"] .bn-pending`, (x) => x.length)).toBe(1);
    await page.screenshot({ path: join(RESULTS, 'inspector-streaming.png') });
    const types = await page.evaluate(() => window.__posted.map((m: { type: string }) => m.type));
    expect(types).toContain('cancel');
    // The host confirms; the header offers a re-run with the same method.
    await page.evaluate(() => window.__send({ type: 'analysisCancelled' }));
    await page.click('#bn-rerun');
    const posted = await page.evaluate(() => window.__posted);
    expect(posted[posted.length - 1]).toEqual({ type: 'reanalyze', method: 'absmean' });
    expect(await page.textContent('.bn-provenance')).toContain('cancelled');
    await page.evaluate(() => window.__send({ type: 'reveal', name: 'model.layers.0.mlp.up_proj.weight' }));
    await page.waitForFunction(() => document.querySelector('.bn-detail-title')?.textContent === 'model.layers.0.mlp.up_proj.weight');
    await page.close();
  });

  it('says so when the host has no histogram, and ignores stale replies', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${env.url}/test/webview/harness/index.html?theme=dark`);
    await page.waitForFunction(() => window.__posted?.length > 0);
    const t = report.tensors[2]!;
    const { histogram, ...rest } = t.stats!;
    const row = { ...t, stats: { ...rest, histogramBins: histogram.counts.length } };
    // A kept (not quantized) tensor that still has statistics shows them greyed, with its reason.
    const norm = { ...row, name: 'model.norm.weight', quantized: false, reason: 'norm' };
    const init = { type: 'init', fileName: 'f.safetensors', format: 'safetensors', metadata: {}, rows: [row, norm], totals: report.totals, settings: { method: 'absmean', include: [], exclude: [], backend: 'auto' } };
    await page.evaluate((m) => window.__send(m), init);
    expect(await page.textContent('.bn-row.is-kept .bn-kept-tag')).toBe('norm');
    expect(await page.textContent('.bn-row.is-kept')).toContain(`${(t.stats!.zeroFraction * 100).toFixed(1)}%`);
    await page.click(`.bn-row[data-name="${t.name}"]`);
    const req = await page.waitForFunction(() => window.__posted.find((m: { type: string }) => m.type === 'getHistogram'));
    const { requestId } = (await req.jsonValue()) as unknown as { requestId: number };
    // A reply to an older request id must not be shown.
    await page.evaluate(([id, n]) => window.__send({ type: 'histogram', requestId: id - 1, name: n, edges: new Float64Array([0, 1]).buffer, counts: new Float64Array([5]).buffer, thresholds: [], gamma: 1 }), [requestId, t.name] as const);
    await page.waitForTimeout(100);
    expect(await page.$('bn-histogram')).toBeNull();
    await page.evaluate(([id, n]) => window.__send({ type: 'histogram', requestId: id, name: n, edges: new ArrayBuffer(0), counts: new ArrayBuffer(0), thresholds: [], gamma: 0 }), [requestId, t.name] as const);
    await page.waitForFunction(() => document.querySelector('.bn-hist-loading')?.textContent?.includes('No histogram available'));
    await page.close();
  });

  it('shows the settings warnings of the header report above the table, and none when there are none', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${env.url}/test/webview/harness/index.html?theme=dark`);
    await page.waitForFunction(() => window.__posted?.length > 0);
    const t = report.tensors[2]!;
    const { histogram, ...rest } = t.stats!;
    const row = { ...t, stats: { ...rest, histogramBins: histogram.counts.length } };
    const said = 'setting bitnetLab.exclude: "down_prj" matches no tensor of this checkpoint';
    const base = { type: 'init', fileName: 'f.safetensors', format: 'safetensors', metadata: {}, rows: [row], totals: report.totals, settings: { method: 'absmean', include: [], exclude: ['down_prj'], backend: 'auto' } };
    await page.evaluate((m) => window.__send(m), { ...base, warnings: [said] });
    await page.waitForSelector('.bn-warnings li');
    expect(await page.$$eval('.bn-warnings li', (els) => els.map((e) => e.textContent))).toEqual([said]);
    expect(await page.isVisible('.bn-warnings')).toBe(true);
    // The user fixes the setting: the next init has no warnings, and the list is gone.
    await page.evaluate((m) => window.__send(m), { ...base, settings: { ...base.settings, exclude: [] } });
    await page.waitForFunction(() => document.querySelector('.bn-warnings') === null);
    await page.close();
  });

  it('shows a clear error panel (message and code) instead of a blank page', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1100, height: 600 } });
    const errors = watchErrors(page);
    await page.goto(`${env.url}/test/webview/harness/index.html?theme=dark`);
    await page.waitForFunction(() => window.__posted?.some((m: { type: string }) => m.type === 'ready'));
    await page.evaluate(() =>
      window.__send({ type: 'error', code: 'E_BAD_HEADER', recoverable: false, message: 'model.safetensors: header length 18446744073709551615 at byte 0 exceeds the file size (1,024 bytes)' }),
    );
    await page.waitForSelector('.bn-error-panel');
    expect(await page.textContent('.bn-error-panel')).toContain('exceeds the file size');
    expect(await page.textContent('.bn-error-panel code')).toBe('E_BAD_HEADER');
    await page.screenshot({ path: join(RESULTS, 'inspector-error.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('renders in a light and a dark theme and repaints charts on a theme switch', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const { page, errors } = await openInspector(theme);
      // The sidebar's "reveal" scrolls the virtual table to a row that is not rendered yet.
      await page.evaluate(() => window.__send({ type: 'reveal', name: 'model.layers.12.mlp.gate_proj.weight' }));
      await page.waitForSelector('.bn-row.is-selected[data-name="model.layers.12.mlp.gate_proj.weight"]');
      await page.waitForFunction(() => (document.querySelector('bn-histogram canvas') as HTMLCanvasElement | null)?.width);
      await page.waitForTimeout(150);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe(theme === 'dark' ? 'rgb(31, 31, 31)' : 'rgb(255, 255, 255)');
      await page.screenshot({ path: join(RESULTS, `inspector-${theme}.png`), fullPage: true });
      expect(errors).toEqual([]);
      if (theme === 'dark') {
        // Axis text is drawn in the theme's foreground: a switch must change the canvas.
        const before = await page.$eval('#chart-gamma canvas', (c) => (c as HTMLCanvasElement).toDataURL());
        await page.evaluate(() => window.__setTheme('light'));
        await page.waitForFunction((b) => (document.querySelector('#chart-gamma canvas') as HTMLCanvasElement).toDataURL() !== b, before);
      }
      await page.close();
    }
  });
});
