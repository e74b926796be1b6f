/**
 * The checkpoint-diff panel in real Chromium under a strict CSP, with a diff
 * the real engine produced on two real checkpoints (test/webview/diff/
 * diffFixture.py says how). Expected values are recomputed from the fixture
 * here, independently of the page's own grouping code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { CheckpointDiff } from '../../src/core/analysis/diff.js';
import { paintedPixels, RESULTS, startWebviewEnv, watchErrors, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';
import { buildDiffPage, DIFF_PAGE } from './diff/buildDiff.js';

const diff = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/diff-llama-8l.json'), 'utf8')) as CheckpointDiff;
const KINDS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
  await buildDiffPage();
});
afterAll(async () => {
  await env?.close();
});

async function openWithReport(width = 1200): Promise<{ page: Page; errors: string[] }> {
  const page = await env.browser.newPage({ viewport: { width, height: 1000 } });
  page.setDefaultTimeout(10_000);
  const errors = watchErrors(page);
  await page.goto(`${env.url}${DIFF_PAGE}`);
  await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
  await page.evaluate((d) => (window as unknown as { __send: (m: unknown) => void }).__send({ type: 'report', report: d }), diff as unknown as Record<string, unknown>);
  await page.waitForSelector('#df-table tbody tr');
  return { page, errors };
}

const rowNames = (page: Page): Promise<string[]> => page.$$eval('#df-table tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset['name'] ?? ''));

describe('checkpoint diff panel', () => {
  it('draws the per-layer charts (one line per projection kind) and the tensor table from a posted report', async () => {
    const { page, errors } = await openWithReport();
    const flips = diff.tensors.reduce((s, t) => s + t.flips, 0);
    const params = diff.tensors.reduce((s, t) => s + t.params, 0);
    expect(await page.textContent('#df-kpi-flips .df-kpi-value')).toBe(`${((100 * flips) / params).toFixed(2)}%`);
    expect(await page.textContent('.df-title')).toBe('diffA.safetensors ↔ diffB.safetensors');

    for (const id of ['df-chart-flips', 'df-chart-gamma', 'df-chart-sparsity']) expect(await paintedPixels(page, `#${id} canvas`)).toBeGreaterThan(1000);
    const series = await page.$eval('#df-chart-flips', (c) => (c as unknown as { series: Array<{ name: string; points: Array<{ x: number; y: number }> }> }).series);
    expect(series.map((s) => s.name)).toEqual(['q', 'k', 'v', 'o', 'gate', 'up', 'down']);
    // Each kind's line: layer index → that tensor's flip rate, straight from the fixture.
    series.forEach((s, i) => {
      const expected = diff.tensors
        .filter((t) => t.name.endsWith(`.${KINDS[i]}.weight`))
        .map((t) => ({ x: Number(/layers\.(\d+)\./.exec(t.name)![1]), y: t.flipRate }))
        .sort((a, b) => a.x - b.x);
      expect(s.points).toEqual(expected);
    });
    const sparsity = await page.$eval('#df-chart-sparsity', (c) => (c as unknown as { series: Array<{ name: string; points: Array<{ x: number; y: number }> }> }).series);
    const gateL5 = diff.tensors.find((t) => t.name === 'model.layers.5.mlp.gate_proj.weight')!;
    expect(sparsity.find((s) => s.name === 'gate')!.points.find((p) => p.x === 5)!.y).toBe(gateL5.sparsityB - gateL5.sparsityA);

    // Table: every tensor, largest flip rate first by default.
    const names = await rowNames(page);
    expect(names).toHaveLength(diff.tensors.length);
    const byFlips = [...diff.tensors].sort((a, b) => b.flipRate - a.flipRate || a.name.localeCompare(b.name)).map((t) => t.name);
    expect(names).toEqual(byFlips);
    const first = diff.tensors.find((t) => t.name === names[0])!;
    const cells = await page.$$eval('#df-table tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    expect(cells[2]).toBe(`${(first.flipRate * 100).toFixed(2)}%`);
    expect(await page.$('#df-export')).not.toBeNull();
    await page.screenshot({ path: join(RESULTS, 'diff.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sorts by a clicked column, toggles direction, and keeps the sort and report across a reload', async () => {
    const { page, errors } = await openWithReport();
    await page.click('button.df-sort[data-key="name"]');
    const asc = [...diff.tensors.map((t) => t.name)].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    expect(await rowNames(page)).toEqual(asc);
    expect(await page.getAttribute('th:has(button[data-key="name"])', 'aria-sort')).toBe('ascending');
    await page.click('button.df-sort[data-key="relDeltaGamma"]');
    const byGamma = [...diff.tensors].sort((a, b) => b.relDeltaGamma - a.relDeltaGamma || a.name.localeCompare(b.name)).map((t) => t.name);
    expect(await rowNames(page)).toEqual(byGamma);
    await page.click('button.df-sort[data-key="relDeltaGamma"]');
    expect(await rowNames(page)).toEqual([...diff.tensors].sort((a, b) => a.relDeltaGamma - b.relDeltaGamma || a.name.localeCompare(b.name)).map((t) => t.name));

    await page.reload();
    await page.waitForSelector('#df-table tbody tr');
    expect(await page.getAttribute('th:has(button[data-key="relDeltaGamma"])', 'aria-sort')).toBe('ascending');
    expect((await rowNames(page))[0]).toBe([...diff.tensors].sort((a, b) => a.relDeltaGamma - b.relDeltaGamma)[0]!.name);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows progress before the report, posts export on the button, and shows an error message', async () => {
    const page = await env.browser.newPage({ viewport: { width: 900, height: 600 } });
    const errors = watchErrors(page);
    await page.goto(`${env.url}${DIFF_PAGE}`);
    const send = (m: unknown): Promise<void> => page.evaluate((x) => (window as unknown as { __send: (m: unknown) => void }).__send(x), m as Record<string, unknown>);
    await send({ type: 'progress', done: 3, total: 12, label: 'model.layers.1.mlp.up_proj.weight' });
    expect(await page.$eval('.df-progress progress', (p) => (p as HTMLProgressElement).value)).toBe(0.25);
    expect(await page.textContent('.df-progress')).toContain('model.layers.1.mlp.up_proj.weight');
    await send({ type: 'report', report: diff });
    await page.click('#df-export');
    expect(await page.evaluate(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.map((m) => m.type))).toEqual(['ready', 'export']);
    await send({ type: 'error', message: 'b.safetensors: header length 99 at byte 0 exceeds the file' });
    expect(await page.textContent('.df-error')).toContain('byte 0');
    expect(errors).toEqual([]);
    await page.close();
  });
});
