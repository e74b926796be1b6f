/** The tensor table stays virtualized with 10,000 tensors: few DOM rows, and scrolling reaches the end. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { startWebviewEnv, watchErrors, renderedNames, RESULTS, type WebviewEnv } from './harness/browser.js';
import { makeManyTensorReport } from './harness/makeReport.js';

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
});
afterAll(async () => {
  await env?.close();
});

it('renders 10,000 tensors with a small DOM and scrolls to later rows', async () => {
  const report = makeManyTensorReport(10_000);
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = watchErrors(page);
  await page.addInitScript((r) => (window.__harnessReport = r), report);
  await page.goto(`${env.url}/test/webview/harness/index.html?auto=1&theme=dark`);
  await page.waitForSelector('.bn-row');
  expect(await page.textContent('.bn-count')).toBe('10,000 tensors');
  const domRows = await page.$$eval('.bn-row', (r) => r.length);
  expect(domRows).toBeGreaterThan(10);
  expect(domRows).toBeLessThan(100);

  // Scroll to the bottom: the last tensor appears, the first is gone, and the DOM stays small.
  await page.$eval('.bn-table-scroller', (s) => (s.scrollTop = s.scrollHeight));
  const last = report.tensors[report.tensors.length - 1]!.name;
  await page.waitForFunction((n) => document.querySelector(`.bn-row[data-name="${n}"]`) !== null, last);
  const names = await renderedNames(page);
  expect(names).not.toContain(report.tensors[0]!.name);
  expect(await page.$$eval('.bn-row', (r) => r.length)).toBeLessThan(100);
  // The row is actually inside the scroller's visible box.
  const visible = await page.$eval(`.bn-row[data-name="${last}"]`, (row) => {
    const r = row.getBoundingClientRect();
    const s = row.closest('.bn-table-scroller')!.getBoundingClientRect();
    return r.top >= s.top && r.bottom <= s.bottom + 1;
  });
  expect(visible).toBe(true);

  // Middle of the list via keyboard: End selects the last row, Home the first.
  await page.focus(`.bn-row[data-name="${last}"]`);
  await page.keyboard.press('Home');
  await page.waitForFunction((n) => document.activeElement?.getAttribute('data-name') === n, report.tensors[0]!.name);

  // Sorting 10,000 rows keeps the virtual window.
  await page.click('.bn-sort[data-col="rmse"]');
  expect(await page.$$eval('.bn-row', (r) => r.length)).toBeLessThan(100);
  await page.screenshot({ path: join(RESULTS, 'inspector-10k.png') });
  expect(errors).toEqual([]);
  await page.close();
});
