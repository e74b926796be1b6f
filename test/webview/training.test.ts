/**
 * The training-curves panel in real Chromium under a strict CSP, replaying a
 * metrics stream recorded from a real run:
 *   bitnet-lab train --model mlp --data mnist --steps 300 --eval-every 20 --out DIR
 * (test/fixtures/training/mnist-300.metrics.jsonl is DIR/metrics.jsonl).
 * Then a synthetic 100k-step stream to check display decimation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsLine, MetricPoint, RunName, TrainingPanelEvent } from '../../src/protocol/training.js';
import { paintedPixels, RESULTS, startWebviewEnv, watchErrors, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';

const lines = readFileSync(join(ROOT, 'test/fixtures/training/mnist-300.metrics.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as MetricsLine);

/** The recorded stream as the trainer sends it: small batches per run, in order. */
function messages(): TrainingPanelEvent[] {
  const out: TrainingPanelEvent[] = [{ type: 'init', title: 'MNIST MLP — BitNet vs FP', metricName: 'accuracy', runs: ['bitnet', 'fp'], totalSteps: 300 }];
  for (let i = 0; i < lines.length; i += 3) {
    for (const run of ['bitnet', 'fp'] as RunName[]) {
      const points = lines.slice(i, i + 3).filter((l) => l.run === run).map(({ run: _r, ...p }) => p as MetricPoint);
      if (points.length > 0) out.push({ type: 'metrics', run, points });
    }
  }
  return out;
}

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
});
afterAll(async () => {
  await env?.close();
});

const CHARTS = ['train-loss', 'val-loss', 'val-metric', 'lr', 'sparsity', 'gamma', 'flips'];

describe('training panel', () => {
  it('draws every curve of a recorded run for both models', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1300, height: 1000 } });
    page.setDefaultTimeout(15_000);
    const errors = watchErrors(page);
    await page.goto(`${env.url}/test/webview/training/page.html`);
    await page.waitForSelector('#chart-train-loss canvas');
    expect(await page.evaluate(() => (window as unknown as { posted: unknown[] }).posted)).toEqual([{ type: 'ready' }]);
    await page.evaluate((ms) => { for (const m of ms) window.postMessage(m, '*'); }, messages());
    await page.evaluate((m) => window.postMessage(m, '*'), { type: 'status', state: 'done', checkpoints: { bitnet: '/x/bitnet.safetensors', fp: '/x/fp.safetensors' } } satisfies TrainingPanelEvent);
    // Each message is a task of its own: a frame can draw step 300 before the `done` status is handled.
    await page.waitForFunction(() => /done.*step 300|step 300.*done/.test(document.querySelector('#tr-status')?.textContent ?? ''));
    expect(await page.textContent('#tr-status')).toContain('done');
    expect(await page.textContent('#card-val-metric h3')).toBe('Validation accuracy (%)');

    const evals = lines.filter((l) => l.kind === 'eval');
    const trains = lines.filter((l) => l.kind === 'train');
    const quantLayers = new Set(evals.filter((l) => l.run === 'bitnet').flatMap((l) => (l.kind === 'eval' ? l.layers.map((x) => x.name) : [])));
    // Series count per chart recomputed from the fixture.
    const seriesCount = async (id: string) => page.$eval(`#chart-${id}`, (c) => (c as unknown as { series: unknown[] }).series.length);
    for (const id of ['train-loss', 'val-loss', 'val-metric', 'lr']) expect(await seriesCount(id)).toBe(2);
    for (const id of ['sparsity', 'gamma', 'flips']) expect(await seriesCount(id)).toBe(quantLayers.size);
    // Every point is shown (300 steps is far below the decimation threshold).
    expect(Number(await page.getAttribute('#chart-val-loss', 'data-points'))).toBe(evals.length);
    expect(Number(await page.getAttribute('#chart-train-loss', 'data-points'))).toBe(trains.length);
    // Final accuracy point equals the fixture's, in percent.
    const lastBitnet = evals.filter((l) => l.run === 'bitnet').at(-1)!;
    const shown = await page.$eval('#chart-val-metric', (c) => {
      const s = (c as unknown as { series: Array<{ name: string; points: Array<{ x: number; y: number }> }> }).series[0]!;
      return s.points.at(-1)!;
    });
    expect(shown.x).toBe(300);
    expect(shown.y).toBeCloseTo(100 * (lastBitnet.kind === 'eval' ? lastBitnet.valMetric : NaN), 9);
    await page.waitForTimeout(100);
    for (const id of CHARTS) expect(await paintedPixels(page, `#chart-${id} canvas`)).toBeGreaterThan(800);
    // The open buttons post to the host.
    await page.click('text=Open BitNet checkpoint');
    expect(await page.evaluate(() => (window as unknown as { posted: unknown[] }).posted.at(-1))).toEqual({ type: 'openCheckpoint', run: 'bitnet' });
    await page.screenshot({ path: join(RESULTS, 'training.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('stays bounded on a 100k-step stream: decimated series, coalesced redraws', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1300, height: 1000 } });
    page.setDefaultTimeout(20_000);
    const errors = watchErrors(page);
    await page.goto(`${env.url}/test/webview/training/page.html`);
    await page.waitForSelector('#chart-train-loss canvas');
    const sent = await page.evaluate(() => {
      window.postMessage({ type: 'init', title: 'long run', metricName: 'perplexity', runs: ['bitnet', 'fp'], totalSteps: 100000 }, '*');
      let messagesSent = 0;
      for (let chunk = 0; chunk < 100; chunk++) {
        for (const run of ['bitnet', 'fp']) {
          const points = [];
          for (let s = chunk * 1000 + 1; s <= (chunk + 1) * 1000; s++) {
            // A decaying curve with one spike per 10k steps (decimation must keep spikes).
            const spike = s % 10000 === 5000 ? 3 : 0;
            points.push({ kind: 'train', step: s, loss: 2 + 3 / Math.sqrt(s) + spike + (run === 'fp' ? 0.1 : 0), lr: 1e-3, wd: 0.1 });
          }
          window.postMessage({ type: 'metrics', run, points }, '*');
          messagesSent++;
        }
      }
      return messagesSent;
    });
    await page.waitForFunction(() => document.querySelector('#tr-status')?.textContent?.includes('step 100000'));
    const info = await page.$eval('#chart-train-loss', (c) => {
      const series = (c as unknown as { series: Array<{ points: Array<{ x: number; y: number }> }> }).series;
      return { lengths: series.map((s) => s.points.length), maxY: Math.max(...series[0]!.points.map((p) => p.y)), width: (c as HTMLElement).clientWidth };
    });
    for (const n of info.lengths) {
      expect(n).toBeGreaterThan(100);
      expect(n).toBeLessThanOrEqual(4 * Math.max(50, Math.floor(info.width / 2)));
    }
    expect(info.maxY).toBeGreaterThan(5); // the spikes survived decimation
    const redraws = await page.evaluate(() => (window as unknown as { trainingView: { redraws: number } }).trainingView.redraws);
    expect(redraws).toBeLessThan(sent);
    expect(await paintedPixels(page, '#chart-train-loss canvas')).toBeGreaterThan(800);
    await page.screenshot({ path: join(RESULTS, 'training-100k.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
