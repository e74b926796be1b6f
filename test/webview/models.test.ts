/**
 * The real-model views in real Chromium under a strict CSP, fed host
 * messages of the real shapes (models/fixtures.ts): the Quality section in
 * the inspector and in the comparison panel, and the Try it panel streaming
 * two continuations. What the page shows is read back as text and parsed;
 * expected values come from the fixture objects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ComparisonReport } from '../../src/core/analysis/compare.js';
import type { QualityEvent, TryEvent, TryState } from '../../src/protocol/models.js';
import { paintedPixels, RESULTS, startWebviewEnv, watchErrors, type WebviewEnv } from './harness/browser.js';
import { ROOT } from './harness/buildWebview.js';
import { evalResult, generateResult } from './models/fixtures.js';

const REPORT_PATH = 'test/fixtures/reports/llama-30l.json';
const LAYER_PAGE = 20;

let env: WebviewEnv;
beforeAll(async () => {
  env = await startWebviewEnv();
});
afterAll(async () => {
  await env?.close();
});

const source = { kind: 'file' as const, label: 'wiki.txt', chars: 18_321 };

/** Every row of a table as its cells' text. */
function tableRows(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
}

async function inspectorPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 1400 } });
  page.setDefaultTimeout(10_000);
  const errors = watchErrors(page);
  await page.goto(`${env.url}/test/webview/harness/index.html?auto=1&report=/${REPORT_PATH}`);
  await page.waitForSelector('.bn-row');
  return { page, errors };
}

const send = (page: Page, m: QualityEvent | TryEvent): Promise<void> => page.evaluate((msg) => (window as unknown as { __send?: (m: unknown) => void }).__send ? (window as unknown as { __send: (m: unknown) => void }).__send(msg) : window.postMessage(msg, '*'), m);

describe('Quality section in the inspector', () => {
  it('asks for a text, shows progress with Cancel, then perplexity FP vs ternary and the per-layer error, paged', async () => {
    const { page, errors } = await inspectorPage();
    await page.waitForSelector('#mq-empty');
    await page.click('#mq-editor');
    await page.click('#mq-file');
    const posted = (): Promise<unknown[]> => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
    expect((await posted()).slice(-2)).toEqual([{ type: 'evaluateQuality', source: 'editor' }, { type: 'evaluateQuality', source: 'file' }]);

    await send(page, { type: 'quality', modes: ['fp', 'ternary'], quality: { state: 'running', source, done: 3, total: 8, label: 'window 3 of 8' } });
    await page.waitForSelector('#mq-cancel');
    expect(await page.textContent('.mq-progress')).toContain('38%');
    await page.click('#mq-cancel');
    expect((await posted()).at(-1)).toEqual({ type: 'cancelQuality' });

    const r = evalResult();
    await send(page, { type: 'quality', modes: ['fp', 'ternary'], quality: { state: 'done', source, result: r } });
    await page.waitForSelector('#mq-ppl');
    const rows = await tableRows(page, '#mq-ppl');
    expect(rows.map((c) => c[0])).toEqual(['FP (full precision)', 'BitNet b1.58 ternary (W1.58A8, post-training)']);
    for (const [i, mode] of (['fp', 'ternary'] as const).entries()) {
      const x = r.results[mode]!;
      expect(Number(rows[i]![1])).toBeCloseTo(x.perplexity, 3);
      expect(Number(rows[i]![2])).toBeCloseTo(x.nll, 4);
      expect(Number(rows[i]![3])).toBeCloseTo(x.bitsPerByte, 4);
    }
    const ratio = r.results.ternary!.perplexity / r.results.fp!.perplexity;
    expect(Number((await page.textContent('#mq-ratio .mq-kpi-value'))!.replace('×', ''))).toBeCloseTo(ratio, 2);
    // Provenance: text, tokens, windows, context, tokenizer, compute path, threads.
    const prov = (await page.textContent('#mq-prov')) ?? '';
    for (const part of ['wiki.txt', `${r.windows} windows`, 'of 512 tokens', r.provenance.tokenizer, r.provenance.compute, '2 threads', r.provenance.architecture]) expect(prov).toContain(part);

    // Worst layers first, LAYER_PAGE per page, then the rest.
    const worst = [...r.layers].sort((a, b) => b.relativeRmse - a.relativeRmse);
    let shown = await tableRows(page, '#mq-layers');
    expect(shown.map((c) => c[0])).toEqual(worst.slice(0, LAYER_PAGE).map((l) => l.name));
    expect(Number(shown[0]![2])).toBeCloseTo(worst[0]!.relativeRmse, 2);
    await page.click('#mq-next');
    shown = await tableRows(page, '#mq-layers');
    expect(shown.map((c) => c[0])).toEqual(worst.slice(LAYER_PAGE).map((l) => l.name));
    expect(await page.textContent('#mq-page')).toBe(`${LAYER_PAGE + 1}–${r.layers.length} of ${r.layers.length}`);
    // One curve per projection kind down the depth, drawn.
    expect(await page.$eval('#mq-layer-chart', (c) => (c as unknown as { series: unknown[] }).series.length)).toBe(7);
    await page.waitForTimeout(100);
    expect(await paintedPixels(page, '#mq-layer-chart canvas')).toBeGreaterThan(500);
    await page.$eval('#mq-section', (e) => e.scrollIntoView());
    await page.screenshot({ path: join(RESULTS, 'quality-inspector.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says stored for a checkpoint that already is ternary, and shows failures and cancels plainly', async () => {
    const { page, errors } = await inspectorPage();
    const r = evalResult(1);
    const stored = { ...r, results: { fp: r.results.fp, stored: r.results.ternary } };
    await send(page, { type: 'quality', modes: ['fp', 'stored'], quality: { state: 'done', source, result: stored } });
    await page.waitForSelector('#mq-ppl');
    expect((await tableRows(page, '#mq-ppl')).map((c) => c[0])).toEqual(['FP (full precision)', 'stored ternary (as in the file)']);
    expect(await page.textContent('#mq-ratio')).toContain('stored / FP');
    expect(await page.textContent('#mq-section .mq-caption')).toContain('as stored in the file');
    expect(await page.$('#mq-next')).toBeNull(); // 7 layers fit on one page
    await send(page, { type: 'quality', modes: ['fp', 'ternary'], quality: { state: 'failed', source, message: '/data/x.bin: not UTF-8 text (at byte 12); choose a plain text file' } });
    expect(await page.textContent('#mq-error')).toContain('not UTF-8 text (at byte 12)');
    expect(await page.$('#mq-ppl')).toBeNull();
    await send(page, { type: 'quality', modes: ['fp', 'ternary'], quality: { state: 'cancelled', source } });
    expect(await page.textContent('#mq-cancelled')).toContain('wiki.txt');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('Quality section in the comparison panel', () => {
  it('appears inside the Quality section once the report is there, and follows quality messages', async () => {
    const report = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/compare-llama-1024x4.json'), 'utf8')) as ComparisonReport;
    const page = await env.browser.newPage({ viewport: { width: 1100, height: 1200 } });
    page.setDefaultTimeout(10_000);
    const errors = watchErrors(page);
    await page.goto(`${env.url}/test/webview/models/page.html?entry=compare`);
    await page.waitForSelector('.cmp-empty');
    await page.evaluate((r) => window.postMessage({ type: 'report', report: r }, '*'), report as unknown as Record<string, unknown>);
    await page.waitForSelector('#cmp-quality #cmp-text-quality #mq-empty');
    await page.click('#mq-file');
    expect(await page.evaluate(() => (window as unknown as { posted: unknown[] }).posted)).toEqual([{ type: 'ready' }, { type: 'evaluateQuality', source: 'file' }]);
    const r = evalResult();
    await send(page, { type: 'quality', modes: ['fp', 'ternary'], quality: { state: 'done', source, result: r } });
    await page.waitForSelector('#cmp-quality #mq-ppl');
    expect(Number((await tableRows(page, '#mq-ppl'))[1]![1])).toBeCloseTo(r.results.ternary!.perplexity, 3);
    // A re-rendered report keeps the evaluation (the element moves into the new Quality section).
    await page.evaluate((rep) => window.postMessage({ type: 'report', report: rep }, '*'), report as unknown as Record<string, unknown>);
    await page.waitForSelector('#cmp-quality #mq-ppl');
    expect(await page.$$('#mq-section')).toHaveLength(1);
    await page.$eval('#cmp-quality', (e) => e.scrollIntoView());
    await page.screenshot({ path: join(RESULTS, 'quality-compare.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('Try it panel', () => {
  const idle: TryState = {
    fileName: 'model.safetensors', runId: 0, prompt: '', settings: { maxTokens: 64, temperature: 0, topK: 40, seed: 1 },
    columns: [{ mode: 'fp', status: 'idle', text: '', tokens: 0 }, { mode: 'ternary', status: 'idle', text: '', tokens: 0 }],
  };

  it('sends the prompt and settings, streams both continuations side by side, and cancels', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.setDefaultTimeout(10_000);
    const errors = watchErrors(page);
    await page.goto(`${env.url}/test/webview/models/page.html?entry=tryModel`);
    const posted = (): Promise<unknown[]> => page.evaluate(() => (window as unknown as { posted: unknown[] }).posted);
    await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length === 1);
    expect(await posted()).toEqual([{ type: 'ready' }]);
    await send(page, { type: 'state', state: idle });
    await page.waitForSelector('#try-generate');
    expect(await page.textContent('.try-title')).toBe('Try it: model.safetensors');

    // An invalid setting is refused on the page, nothing is posted.
    await page.fill('#try-prompt textarea', 'The capital of France is');
    await page.fill('#try-maxTokens input', '0');
    await page.click('#try-generate');
    expect(await page.textContent('#try-invalid')).toContain('New tokens');
    expect(await posted()).toHaveLength(1);
    await page.fill('#try-maxTokens input', '8');
    await page.click('#try-generate');
    expect((await posted()).at(-1)).toEqual({ type: 'generate', prompt: 'The capital of France is', settings: { maxTokens: 8, temperature: 0, topK: 40, seed: 1 } });

    const prompt = 'The capital of France is';
    const running: TryState = { ...idle, runId: 1, prompt, settings: { ...idle.settings, maxTokens: 8 }, columns: idle.columns.map((c) => ({ ...c, status: 'running' })) };
    await send(page, { type: 'state', state: running });
    const fpPieces = [' Paris', ',', ' the', ' city'];
    const tePieces = [' a', ' the', ' the'];
    for (let i = 0; i < 4; i++) {
      await send(page, { type: 'text', runId: 1, mode: 'fp', text: fpPieces[i]!, tokens: 1 });
      if (i < 3) await send(page, { type: 'text', runId: 1, mode: 'ternary', text: tePieces[i]!, tokens: 1 });
    }
    // A late piece of an older run is not shown.
    await send(page, { type: 'text', runId: 0, mode: 'fp', text: ' STALE', tokens: 1 });
    expect(await page.textContent('#try-col-fp .try-out')).toBe(fpPieces.join(''));
    expect(await page.textContent('#try-col-ternary .try-out')).toBe(tePieces.join(''));
    expect(await page.textContent('#try-col-fp .try-prompt-echo')).toBe(prompt);
    expect(await page.textContent('#try-col-ternary .try-stats')).toContain('3 tokens so far');
    await page.click('#try-cancel');
    expect((await posted()).at(-1)).toEqual({ type: 'cancel' });

    const fpDone = generateResult(fpPieces.join(''), [1, 2, 3, 4], 23.45);
    const { text, generatedTokens, ...rest } = fpDone;
    await send(page, { type: 'column', runId: 1, column: { mode: 'fp', status: 'done', text, tokens: generatedTokens.length, result: { ...rest, generatedTokens: generatedTokens.length } } });
    await send(page, { type: 'column', runId: 1, column: { mode: 'ternary', status: 'cancelled', text: tePieces.join(''), tokens: 3, message: 'Cancelled after 3 tokens.' } });
    await page.waitForSelector('#try-generate');
    // Shown to 3 significant digits.
    const rate = Number((await page.textContent('#try-col-fp .try-rate'))!.replace(' tokens/s', ''));
    expect(Math.abs(rate - fpDone.tokensPerSecond) / fpDone.tokensPerSecond).toBeLessThan(5e-3);
    expect(await page.textContent('#try-col-fp .try-stats')).toContain(`${generatedTokens.length} new tokens · prompt ${fpDone.promptTokens} tokens`);
    expect(await page.textContent('#try-col-fp .mq-prov')).toContain(fpDone.provenance.compute);
    expect(await page.getAttribute('#try-col-ternary', 'data-status')).toBe('cancelled');
    expect(await page.textContent('#try-col-ternary')).toContain('Cancelled after 3 tokens.');
    await page.screenshot({ path: join(RESULTS, 'try-it.png') });
    // Not shown once the column has stopped: its message says where.
    expect(await page.textContent('#try-col-ternary .try-stats')).not.toContain('so far');
    // A run started from outside the page (the command) puts its prompt and settings in the form.
    const elsewhere: TryState = { ...running, runId: 2, prompt: 'Started by the command', settings: { maxTokens: 5, temperature: 0.5, topK: 3, seed: 9 } };
    await send(page, { type: 'state', state: elsewhere });
    expect(await page.$eval('#try-prompt', (t) => (t as HTMLTextAreaElement).value)).toBe('Started by the command');
    expect(await page.$eval('#try-maxTokens', (t) => (t as HTMLInputElement).value)).toBe('5');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps the prompt draft across a reload of the page', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1000, height: 700 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${env.url}/test/webview/models/page.html?entry=tryModel`);
    await send(page, { type: 'state', state: idle });
    await page.waitForSelector('#try-generate');
    await page.fill('#try-prompt textarea', 'Once upon a time');
    await page.fill('#try-seed input', '7');
    await page.reload();
    await send(page, { type: 'state', state: idle });
    await page.waitForSelector('#try-generate');
    expect(await page.$eval('#try-prompt textarea', (t) => (t as HTMLTextAreaElement).value)).toBe('Once upon a time');
    expect(await page.$eval('#try-seed input', (t) => (t as HTMLInputElement).value)).toBe('7');
    await page.close();
  });
});
