/**
 * Every page checks what the host posts against the schema that types it
 * (src/protocol, webview-ui/src/shared/hostMessages.ts). Here each page in
 * real Chromium gets a message with an unknown key and one with a wrong
 * nested type: it must refuse each with one console line naming the message,
 * the place and the fault, and then still act on a well-formed message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { CheckpointReport } from '../../src/core/analysis/report.js';
import { toRow } from '../../src/protocol/inspector.js';
import { startWebviewEnv, watchErrors, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';

const report = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/llama-30l.json'), 'utf8')) as CheckpointReport;
const rows = report.tensors.map(toRow);
const init = { type: 'init', fileName: report.file, format: report.format, metadata: {}, rows, totals: report.totals, settings: { method: 'absmean', include: [], exclude: [], backend: 'auto' } };
const analysed = rows.findIndex((r) => r.stats !== null);

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
});
afterAll(async () => {
  await env?.close();
});

/** Post as the host does: through the harness's __send where the page has one, else window.postMessage. */
async function post(page: Page, m: unknown): Promise<void> {
  await page.evaluate((x) => {
    const w = window as unknown as { __send?: (m: unknown) => void };
    if (w.__send) w.__send(x);
    else window.postMessage(x, '*');
  }, m as Record<string, unknown>);
}

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await env.browser.newPage({ viewport: { width: 1100, height: 700 } });
  page.setDefaultTimeout(10_000);
  const errors = watchErrors(page);
  await page.goto(`${env.url}${path}`);
  // Each page posts `ready` once its listener is in place.
  await page.waitForFunction(() => {
    const w = window as unknown as { posted?: Array<{ type: string }>; __posted?: Array<{ type: string }> };
    return (w.posted ?? w.__posted ?? []).some((m) => m.type === 'ready');
  });
  return { page, errors };
}

/** Post each bad message and wait for its refusal line; returns the lines. */
async function refusals(page: Page, errors: string[], bad: unknown[]): Promise<string[]> {
  const before = errors.length;
  for (const m of bad) await post(page, m);
  await expect.poll(() => errors.length - before).toBe(bad.length);
  return errors.slice(before);
}

describe('pages refuse malformed host messages and keep working', () => {
  it('inspector: an unknown key in a row, a string where a statistic is a number', async () => {
    const { page, errors } = await open('/test/webview/harness/index.html?theme=dark');
    const withKey = { ...init, rows: [{ ...rows[0], colour: 'red' }, ...rows.slice(1)] };
    const badRows = rows.map((r, i) => (i === analysed ? { ...r, stats: { ...r.stats!, gamma: '0.5' } } : r));
    const lines = await refusals(page, errors, [withKey, { type: 'rows', rows: badRows }]);
    expect(lines[0]).toBe('warning: BitNet Lab: ignored "init" message from the host (inspector): rows.0.colour: unknown key "colour"');
    expect(lines[1]).toBe(`warning: BitNet Lab: ignored "rows" message from the host (inspector): rows.${analysed}.stats.gamma: expected a number`);
    expect(await page.$$('.bn-row')).toHaveLength(0);
    await post(page, init);
    await page.waitForSelector('.bn-row');
    // A histogram whose buffers are plain arrays is refused too (they must be ArrayBuffers).
    const [h] = await refusals(page, errors, [{ type: 'histogram', requestId: 1, name: rows[analysed]!.name, edges: [0, 1], counts: [3], thresholds: [], gamma: 1 }]);
    expect(h).toMatch(/"histogram" message from the host \(inspector\): edges: expected ArrayBuffer, got Array \(and 1 more\)$/);
    expect(errors).toHaveLength(3);
    await page.close();
  });

  it('summary view: an unknown top-level key, a wrong type in the totals', async () => {
    const { page, errors } = await open('/test/webview/harness/summary.html?theme=dark');
    const lines = await refusals(page, errors, [{ type: 'clear', now: true }, { ...init, totals: { ...report.totals, memory: { ...report.totals.memory, f16: null } } }]);
    expect(lines[0]).toBe('warning: BitNet Lab: ignored "clear" message from the host (summary view): now: unknown key "now"');
    expect(lines[1]).toBe('warning: BitNet Lab: ignored "init" message from the host (summary view): totals.memory.f16: expected a number');
    await post(page, init);
    await post(page, { type: 'analysisDone', totals: report.totals, provenance: report.provenance, backend: 'wasm', cached: true });
    await page.waitForSelector('.bn-summary');
    expect(errors).toHaveLength(2);
    await page.close();
  });

  it('training panel: an unknown key in a metric point, a wrong run name', async () => {
    const { page, errors } = await open('/test/webview/training/page.html');
    await post(page, { type: 'init', title: 'x', metricName: 'accuracy', runs: ['bitnet'], totalSteps: 10 });
    const lines = await refusals(page, errors, [
      { type: 'metrics', run: 'bitnet', points: [{ kind: 'train', step: 1, loss: 2, lr: 0.1, wd: 0, extra: 1 }] },
      { type: 'status', state: 'done', checkpoints: { bitnet: '/x.safetensors', gpu: '/y' } },
      { type: 'metrics', run: 'bitnet', points: [{ kind: 'train', step: '1', loss: 2, lr: 0.1, wd: 0 }] },
    ]);
    expect(lines[0]).toBe('warning: BitNet Lab: ignored "metrics" message from the host (training panel): points.0.extra: unknown key "extra"');
    expect(lines[1]).toBe('warning: BitNet Lab: ignored "status" message from the host (training panel): checkpoints.gpu: unknown key "gpu"');
    expect(lines[2]).toBe('warning: BitNet Lab: ignored "metrics" message from the host (training panel): points.0.step: expected number, got "1"');
    await post(page, { type: 'status', state: 'running' });
    await page.waitForFunction(() => document.querySelector('#tr-status')?.textContent?.includes('running'));
    expect(errors).toHaveLength(3);
    await page.close();
  });

  it('Try it panel: an unknown key in a column, a wrong nested status', async () => {
    const { page, errors } = await open('/test/webview/models/page.html?entry=tryModel');
    const idle = {
      fileName: 'model.safetensors', runId: 0, prompt: '', settings: { maxTokens: 64, temperature: 0, topK: 40, seed: 1 },
      columns: [{ mode: 'fp', status: 'idle', text: '', tokens: 0 }, { mode: 'ternary', status: 'idle', text: '', tokens: 0 }],
    };
    const lines = await refusals(page, errors, [
      { type: 'state', state: { ...idle, columns: [{ ...idle.columns[0], hue: 1 }, idle.columns[1]] } },
      { type: 'column', runId: 0, column: { ...idle.columns[0], status: 'paused' } },
    ]);
    expect(lines[0]).toBe('warning: BitNet Lab: ignored "state" message from the host (Try it panel): state.columns.0.hue: unknown key "hue"');
    expect(lines[1]).toMatch(/^warning: BitNet Lab: ignored "column" message from the host \(Try it panel\): column\.status: expected \("idle" \| .*got "paused"$/);
    await post(page, { type: 'state', state: idle });
    await page.waitForSelector('#try-generate');
    expect(errors).toHaveLength(2);
    await page.close();
  });

  for (const [entry, panel, progressBox] of [['diff', 'diff panel', '.df-progress'], ['energy', 'energy panel', '.en-progress'], ['compare', 'comparison panel', undefined]] as const) {
    it(`${panel}: an unknown key, a wrong nested type, a report of another kind`, async () => {
      const { page, errors } = await open(`/test/webview/models/page.html?entry=${entry}`);
      const lines = await refusals(page, errors, [
        { type: 'progress', done: 1, total: 4, label: 'a', eta: 3 },
        { type: 'quality', modes: ['fp', 'ternary'], quality: { state: 'cancelled', source: { kind: 'file', label: 'a.txt', chars: '12' } } },
        { type: 'report', report: { kind: 'something else' } },
      ]);
      expect(lines[0]).toBe(`warning: BitNet Lab: ignored "progress" message from the host (${panel}): eta: unknown key "eta"`);
      expect(lines[1]).toBe(`warning: BitNet Lab: ignored "quality" message from the host (${panel}): quality.source.chars: expected a number`);
      expect(lines[2]).toMatch(new RegExp(`^warning: BitNet Lab: ignored "report" message from the host \\(${panel}\\): report(: not an? |\\.\\w+: )`)); // the diff page names the field
      // Still listening: a well-formed progress message is drawn (the comparison page has no progress view: no refusal is the sign).
      await post(page, { type: 'progress', done: 1, total: 4, label: 'model.layers.0.mlp.up_proj.weight' });
      if (progressBox) await page.waitForSelector(progressBox);
      else await page.waitForTimeout(100);
      expect(errors).toHaveLength(3);
      await page.close();
    });
  }
});
