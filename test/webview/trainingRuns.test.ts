/**
 * The training panel's run line in real Chromium (strict CSP): the engine
 * and folder a torchrun run shows, its launch command and the buttons that
 * copy it, ask for a SLURM script and overlay another run; two runs overlaid
 * in one chart (a recorded tfjs run under a second one); a followed
 * TensorBoard folder (no Cancel, its own legend name, a reset when the file
 * starts over); and a malformed run message refused with a warning.
 * Points come from test/fixtures/training/mnist-300.metrics.jsonl (a real run,
 * see training.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { MetricPoint, MetricsLine, RunName, TrainingPanelEvent } from '../../src/protocol/training.js';
import type { TrainingRunEvent } from '../../src/protocol/trainingRuns.js';
import { RESULTS, startWebviewEnv, watchErrors, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';

const lines = readFileSync(join(ROOT, 'test/fixtures/training/mnist-300.metrics.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as MetricsLine);
const pointsOf = (run: RunName): MetricPoint[] => lines.filter((l) => l.run === run).map(({ run: _r, ...p }) => p as MetricPoint);

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
});
afterAll(async () => {
  await env?.close();
});

async function open(): Promise<{ page: Page; errors: string[] }> {
  const page = await env.browser.newPage({ viewport: { width: 1300, height: 900 } });
  page.setDefaultTimeout(15_000);
  const errors = watchErrors(page);
  await page.goto(`${env.url}/test/webview/training/page.html`);
  await page.waitForSelector('#chart-train-loss');
  return { page, errors };
}

const send = (page: Page, ms: Array<TrainingPanelEvent | TrainingRunEvent | Record<string, unknown>>): Promise<void> =>
  page.evaluate((list) => { for (const m of list) window.postMessage(m, '*'); }, ms);
const posted = (page: Page): Promise<unknown[]> => page.evaluate(() => (window as unknown as { posted: unknown[] }).posted);
const seriesNames = (page: Page, id: string): Promise<string[]> =>
  page.$eval(`#chart-${id}`, (c) => (c as unknown as { series: Array<{ name: string }> }).series.map((s) => s.name));

const LAUNCH = "cd '/runs/lm 1' && /usr/bin/python3 -m torch.distributed.run --nnodes 1 --node_rank 0 --nproc_per_node 2 --rdzv_endpoint 127.0.0.1:29500 --redirects 1 --tee 1 --log_dir logs train_bitnet.py job.json";

describe('training panel: where the run comes from', () => {
  it('a torchrun run shows its engine, folder and launch command; its buttons post to the host', async () => {
    const { page, errors } = await open();
    await send(page, [
      { type: 'init', title: 'Char LM on README.md — BitNet vs FP', metricName: 'perplexity', runs: ['bitnet', 'fp'], totalSteps: 20 },
      { type: 'runInfo', engine: 'PyTorch torchrun · 2 ranks', folder: '/runs/lm 1', launch: LAUNCH, slurm: true, cancellable: true },
    ]);
    await page.waitForFunction(() => document.querySelector('#tr-engine')?.textContent !== '');
    expect(await page.textContent('#tr-engine')).toBe('PyTorch torchrun · 2 ranks');
    expect(await page.textContent('#tr-folder')).toBe('/runs/lm 1');
    expect(await page.textContent('#tr-launch')).toBe(LAUNCH);
    expect(await page.isVisible('text=Cancel')).toBe(true);
    await page.click('#tr-copy-launch');
    await page.click('#tr-slurm');
    await page.click('#tr-overlay');
    expect((await posted(page)).slice(-3)).toEqual([{ type: 'copyLaunch' }, { type: 'slurmScript' }, { type: 'overlayRun' }]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a tfjs run has no launch command and no SLURM button', async () => {
    const { page, errors } = await open();
    await send(page, [
      { type: 'init', title: 'MNIST', metricName: 'accuracy', runs: ['bitnet', 'fp'], totalSteps: 300 },
      { type: 'runInfo', engine: 'tfjs (wasm)', folder: '/runs/mlp', cancellable: true },
    ]);
    await page.waitForFunction(() => document.querySelector('#tr-engine')?.textContent === 'tfjs (wasm)');
    expect(await page.isVisible('#tr-launch')).toBe(false);
    expect(await page.isVisible('#tr-slurm')).toBe(false);
    expect(await page.isVisible('#tr-overlay')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('overlays a second run on every run chart, named in the legend, without touching the layer charts', async () => {
    const { page, errors } = await open();
    const bitnet = pointsOf('bitnet');
    const fp = pointsOf('fp');
    await send(page, [
      { type: 'init', title: 'two engines', metricName: 'accuracy', runs: ['bitnet', 'fp'], totalSteps: 300 },
      { type: 'runInfo', engine: 'PyTorch torchrun · 2 ranks', cancellable: true },
      { type: 'metrics', run: 'bitnet', points: bitnet },
      { type: 'metrics', run: 'fp', points: fp },
      // The other run: the same recorded BitNet curve, as a tfjs run folder would give it.
      { type: 'overlay', label: 'tfjs (wasm) · mlp-1', run: 'bitnet', points: bitnet },
    ]);
    await page.waitForFunction(() => document.querySelector('#tr-overlays')?.textContent?.includes('mlp-1'));
    expect(await page.textContent('#tr-overlays')).toBe('Overlaid: tfjs (wasm) · mlp-1');
    for (const id of ['train-loss', 'val-loss', 'val-metric', 'lr']) {
      expect(await seriesNames(page, id)).toEqual(['BitNet b1.58', 'full precision', 'BitNet b1.58 · tfjs (wasm) · mlp-1']);
    }
    // The overlay carries exactly the overlaid run's points, and its legend entry is visible to the user.
    const evals = bitnet.filter((p) => p.kind === 'eval').length;
    const overlaid = await page.$eval('#chart-val-loss', (c) => (c as unknown as { series: Array<{ points: unknown[] }> }).series[2]!.points.length);
    expect(overlaid).toBe(evals);
    expect(await page.isVisible('#chart-val-loss >> text=BitNet b1.58 · tfjs (wasm) · mlp-1')).toBe(true);
    const layerSeries = await seriesNames(page, 'sparsity');
    expect(layerSeries.some((n) => n.includes('mlp-1'))).toBe(false);
    // The status counts the panel's own points only.
    await page.waitForFunction((n) => document.querySelector('#tr-status')?.textContent?.includes(`${n} points`), bitnet.length + fp.length);
    await page.screenshot({ path: join(RESULTS, 'training-overlay.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a followed TensorBoard folder: no Cancel, the log\'s own legend name, and a reset when the file starts over', async () => {
    const { page, errors } = await open();
    const train = (step: number, loss: number): MetricPoint => ({ kind: 'train', step, loss, lr: NaN, wd: NaN });
    await send(page, [
      { type: 'init', title: 'Run tb', metricName: 'perplexity', runs: ['bitnet', 'fp'], totalSteps: 0 },
      { type: 'runInfo', engine: 'TensorBoard event files', folder: '/logs/tb', cancellable: false, labels: { bitnet: 'scalars' } },
      { type: 'status', state: 'running', message: 'following /logs/tb' },
      { type: 'metrics', run: 'bitnet', points: [train(10, 2.5), train(20, 2.0), train(30, 1.5)] },
    ]);
    await page.waitForFunction(() => document.querySelector('#tr-status')?.textContent?.includes('step 30'));
    expect(await page.isVisible('text=Cancel')).toBe(false);
    expect(await seriesNames(page, 'train-loss')).toEqual(['scalars']);
    expect(await page.textContent('#tr-status')).toContain('3 points');
    await send(page, [{ type: 'reset' }, { type: 'metrics', run: 'bitnet', points: [train(5, 3.0)] }]);
    await page.waitForFunction(() => document.querySelector('#tr-status')?.textContent?.includes('step 5 '));
    expect(await page.textContent('#tr-status')).toContain('1 points');
    expect(await page.getAttribute('#chart-train-loss', 'data-points')).toBe('1');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a malformed run message with a warning and keeps the page as it was', async () => {
    const { page, errors } = await open();
    await send(page, [
      { type: 'init', title: 'x', metricName: 'perplexity', runs: ['bitnet'], totalSteps: 10 },
      { type: 'runInfo', engine: 'PyTorch torchrun · 2 ranks' }, // no "cancellable"
    ]);
    await page.waitForFunction(() => document.querySelector('#tr-status')?.textContent?.includes('running'));
    await page.waitForTimeout(100);
    expect(await page.isVisible('#tr-run')).toBe(false);
    expect(errors.length).toBe(1);
    expect(errors[0]).toMatch(/ignored a runInfo message/);
    await page.close();
  });
});
