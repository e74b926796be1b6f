/**
 * The exported HTML report: the inspector bundle in static mode, reading the
 * embedded report, under the report's own hash-pinned CSP, opened from a
 * file:// URL with the network cut off.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { CheckpointReport } from '../../src/core/analysis/report.js';
import { renderReportHtml } from '../../src/core/analysis/reportHtml.js';
import { jsonForScript, scriptSafe } from '../../src/core/analysis/selfContainedPage.js';
import { startWebviewEnv, watchErrors, paintedPixels, renderedNames, RESULTS, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';

const report = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/llama-30l.json'), 'utf8')) as CheckpointReport;

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
});
afterAll(async () => {
  await env?.close();
});

it('escapes what could end a <script> block early', () => {
  const tricky = { file: '</script><script>alert(1)</script>', note: 'a\u2028b' };
  const json = jsonForScript(tricky);
  expect(json).not.toMatch(/<\/script/i);
  expect(JSON.parse(json)).toEqual(tricky);
  expect(scriptSafe('const s = "</SCRIPT>";')).toBe('const s = "<\\/SCRIPT>";');
  // Still the same string to a JS engine.
  expect(new Function(`return ${JSON.stringify('</script>').replace('</', '<\\/')}`)()).toBe('</script>');
});

it('an exported report opens offline and shows the same inspector, with histograms from the report', async () => {
  const bundle = readFileSync(join(ROOT, 'dist/webview/inspector.js'), 'utf8');
  const html = renderReportHtml({ ...report, file: '/models/x/we<ird>.safetensors' }, bundle);
  expect(html.includes("script-src 'sha256-")).toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'bitnet-report-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);

  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 }, offline: true });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors = watchErrors(page);
  const requests: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('.bn-row');
  expect(await page.textContent('.bn-title')).toBe('we<ird>.safetensors');
  expect(await page.textContent('.bn-count')).toBe(`${report.tensors.length} tensors`);
  expect(await page.textContent('.bn-static-note')).toContain('exported report');
  expect(await page.$('#bn-export-json')).toBeNull(); // no host to export to
  // Styles applied despite style-src 'none': adoptedStyleSheets are outside CSP's reach.
  expect(await page.$eval('.bn-table-scroller', (e) => getComputedStyle(e).overflowY)).toBe('auto');

  await page.click('.bn-sort[data-col="sqnr"]');
  const best = report.tensors.filter((t) => t.stats).sort((a, b) => b.stats!.sqnrDb - a.stats!.sqnrDb)[0]!;
  expect((await renderedNames(page))[0]).toBe(best.name);
  await page.click(`.bn-row[data-name="${best.name}"]`);
  await page.waitForFunction(() => (document.querySelector('bn-histogram canvas') as HTMLCanvasElement | null)?.width);
  await page.waitForTimeout(100);
  expect(await paintedPixels(page, 'bn-histogram canvas')).toBeGreaterThan(1000);
  await page.screenshot({ path: join(RESULTS, 'inspector-static.png'), fullPage: true });
  expect(requests).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();

  // Without VS Code the page follows the OS colour scheme, controls included.
  for (const scheme of ['light', 'dark'] as const) {
    const ctx = await env.browser.newContext({ viewport: { width: 1400, height: 900 }, offline: true, colorScheme: scheme });
    const p = await ctx.newPage();
    await p.goto(pathToFileURL(file).href);
    await p.waitForSelector('.bn-row');
    const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const field = await p.$eval('#bn-filter', (el) => getComputedStyle(el).getPropertyValue('--vscode-settings-textInputBackground').trim());
    expect(bg).toBe(scheme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(30, 30, 30)');
    expect(field).toBe(scheme === 'light' ? '#ffffff' : '#313131');
    await p.screenshot({ path: join(RESULTS, `inspector-static-${scheme}.png`) });
    await ctx.close();
  }
});

it('a page with neither VS Code nor an embedded report explains itself', async () => {
  const bundle = readFileSync(join(ROOT, 'dist/webview/inspector.js'), 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'bitnet-report-'));
  const file = join(dir, 'empty.html');
  writeFileSync(file, `<!doctype html><html><body><script type="module">${scriptSafe(bundle)}</script></body></html>`);
  const page = await env.browser.newPage();
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('.bn-error-panel');
  expect(await page.textContent('.bn-error-panel')).toContain('E_NO_REPORT');
  await page.close();
});
