/**
 * The line chart's interactions in real Chromium under a strict CSP, on two
 * 100k-point curves (test/webview/charts/chartPage.ts): hovering reads the
 * step and the value of each curve, dragging zooms into a range, Shift+drag
 * pans, Ctrl+wheel zooms around the pointer, double-click resets. The values
 * the read-out must show are recomputed here from the curves' formula.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paintedPixels, RESULTS, startWebviewEnv, watchErrors, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';

/** The curves of chartPage.ts: loss(step) for each series. */
const loss = (step: number, offset: number): number => 2 + 3 / Math.sqrt(step) + offset + (step % 10_000 === 5_000 ? 3 : 0);
const OFFSET: Record<string, number> = { 'BitNet b1.58': 0, 'full precision': 0.1 };

let env: WebviewEnv;
beforeAll(async () => {
  await build({
    entryPoints: [join(ROOT, 'test/webview/charts/chartPage.ts')], outfile: join(ROOT, 'dist/webview-test/chartPage.js'), bundle: true,
    platform: 'browser', target: 'es2022', format: 'esm', loader: { '.css': 'text' }, logLevel: 'warning',
  });
  env = await startWebviewEnv();
});
afterAll(async () => {
  await env?.close();
});

interface Readout {
  step: number;
  values: Array<{ series: string; value: string }>;
}

/** Parse what the read-out says: "step 12345 · BitNet b1.58 2.0270 · full precision 2.1270". */
async function readout(page: Page): Promise<Readout> {
  const text = (await page.textContent('#chart .bn-chart-readout')) ?? '';
  const [head, ...rest] = text.split(' · ');
  const m = /^step (\d+)$/.exec(head!.trim());
  if (!m) throw new Error(`unexpected read-out "${text}"`);
  return {
    step: Number(m[1]),
    values: rest.map((r) => {
      const v = /^(.*) (-?\d+\.\d{4})$/.exec(r.trim());
      if (!v) throw new Error(`unexpected read-out entry "${r}" in "${text}"`);
      return { series: v[1]!, value: v[2]! };
    }),
  };
}

async function hoverAt(page: Page, fx: number, fy = 0.5): Promise<Readout> {
  const box = (await page.locator('#chart canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
  await page.waitForSelector('#chart .bn-chart-readout');
  return readout(page);
}

const range = (page: Page): Promise<[number, number]> => page.$eval('#chart', (c) => (c as unknown as { visibleRange: [number, number] }).visibleRange);

describe('line chart: hover read-out, zoom and pan on 100k-point curves', () => {
  it('reads the step and both values under the pointer, zooms by drag, pans, zooms by Ctrl+wheel, resets', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1300, height: 500 } });
    page.setDefaultTimeout(10_000);
    const errors = watchErrors(page);
    await page.goto(`${env.url}/test/webview/charts/page.html`);
    await page.waitForSelector('#chart canvas');
    await page.waitForTimeout(100);
    expect(await paintedPixels(page, '#chart canvas')).toBeGreaterThan(2000);
    expect(await range(page)).toEqual([1, 100_000]);

    // Hover: the read-out names the step and each curve's value there, as the data has it.
    const a = await hoverAt(page, 0.3);
    const b = await hoverAt(page, 0.7);
    expect(b.step).toBeGreaterThan(a.step);
    for (const r of [a, b]) {
      expect(r.values.map((v) => v.series).sort()).toEqual(['BitNet b1.58', 'full precision']);
      for (const v of r.values) expect(v.value).toBe(loss(r.step, OFFSET[v.series]!).toFixed(4));
    }
    const edge = await hoverAt(page, 0.999);
    expect(edge.step).toBeGreaterThan(99_000);

    // Drag across the middle fifth: the chart shows only that range, with a way back.
    const box = (await page.locator('#chart canvas').boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.4, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.6, y, { steps: 4 });
    await page.mouse.up();
    const [z0, z1] = await range(page);
    expect(z0).toBeGreaterThan(30_000);
    expect(z1).toBeLessThan(70_000);
    expect(z1 - z0).toBeGreaterThan(15_000);
    expect(await page.isVisible('#chart .bn-chart-reset')).toBe(true);
    // Inside the zoom, the read-out resolves neighbouring steps and still reads the data.
    const near1 = await hoverAt(page, 0.5);
    const near2 = await hoverAt(page, 0.5 + 1 / box.width);
    expect(near1.step).toBeGreaterThanOrEqual(z0);
    expect(near1.step).toBeLessThanOrEqual(z1);
    expect(Math.abs(near2.step - near1.step)).toBeLessThanOrEqual(Math.ceil((z1 - z0) / (box.width * 0.9)) + 1);
    for (const v of near2.values) expect(v.value).toBe(loss(near2.step, OFFSET[v.series]!).toFixed(4));
    await page.screenshot({ path: join(RESULTS, 'line-chart-zoomed.png') });

    // Shift+drag to the left by 100 px moves the view right by 100 px worth of steps, same width.
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.6, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6 - 100, y, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const [p0, p1] = await range(page);
    expect(p1 - p0).toBeCloseTo(z1 - z0, 6);
    expect(p0 - z0).toBeGreaterThan(0);
    expect(p0 - z0).toBeLessThan(((z1 - z0) * 100) / (box.width * 0.85));

    // Ctrl+wheel zooms in around the pointer: the step under it stays (to within a pixel's worth).
    const before = await hoverAt(page, 0.5);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -300);
    await page.keyboard.up('Control');
    const [w0, w1] = await range(page);
    expect(w1 - w0).toBeLessThan((p1 - p0) * 0.5);
    const after = await hoverAt(page, 0.5);
    expect(Math.abs(after.step - before.step)).toBeLessThanOrEqual(Math.ceil((p1 - p0) / (box.width * 0.85)) + 1);

    // Double-click shows everything again.
    await page.mouse.dblclick(box.x + box.width * 0.5, y);
    expect(await range(page)).toEqual([1, 100_000]);
    expect(await page.$('#chart .bn-chart-reset')).toBeNull();
    // Escape resets too, after a keyboard zoom.
    await page.focus('#chart');
    await page.keyboard.press('+');
    const [k0, k1] = await range(page);
    expect(k1 - k0).toBeCloseTo((100_000 - 1) / 2, 6);
    await page.keyboard.press('Escape');
    expect(await range(page)).toEqual([1, 100_000]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
