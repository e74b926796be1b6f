import { describe, expect, it } from 'vitest';
import { parseInspectorRequest } from '../../../src/protocol/inspector.js';
import { isHostToJob, isJobToHost } from '../../../src/protocol/jobs.js';
import { energyReport } from './fixtures/engineValues.js';
import { contentSecurityPolicy, escapeHtml, webviewPageHtml } from '../../../src/extension/inspector/html.js';
import { errorEvent, histogramEvent, syncEvents } from '../../../src/extension/inspector/events.js';
import type { CheckpointReport, TensorReport } from '../../../src/core/analysis/report.js';

describe('webview → host validation', () => {
  it('accepts the documented requests', () => {
    expect(parseInspectorRequest({ type: 'ready' })).toEqual({ type: 'ready' });
    expect(parseInspectorRequest({ type: 'getHistogram', requestId: 3, name: 'w' })).toEqual({ type: 'getHistogram', requestId: 3, name: 'w' });
    expect(parseInspectorRequest({ type: 'reanalyze', method: 'median' })).toEqual({ type: 'reanalyze', method: 'median' });
    expect(parseInspectorRequest({ type: 'exportReport', format: 'html' })).toEqual({ type: 'exportReport', format: 'html' });
  });
  it('rejects extra fields (no path can ride along) and malformed messages', () => {
    const errors: string[] = [];
    expect(parseInspectorRequest({ type: 'ready', path: '/etc/passwd' }, (e) => errors.push(e))).toBeUndefined();
    expect(errors).toEqual(['"ready" message from the inspector page: path: unknown key "path"']);
    for (const bad of [
      null,
      'ready',
      { type: 'readFile', path: '/etc/passwd' },
      { type: 'getHistogram', requestId: 1.5, name: 'w' },
      { type: 'getHistogram', requestId: 1, name: 'x'.repeat(5000) },
      { type: 'reanalyze', method: 'int4' },
      { type: 'exportReport', format: 'pdf' },
    ]) {
      expect(parseInspectorRequest(bad)).toBeUndefined();
    }
  });
});

describe('job IPC validation', () => {
  it('accepts well-formed messages in each direction and rejects others', () => {
    const settings = { method: 'absmean', include: [], exclude: [], backend: 'auto' };
    expect(isHostToJob({ type: 'start', id: 1, request: { kind: 'analyze', path: 'a', settings } })).toBe(true);
    expect(isHostToJob({ type: 'start', id: 1, request: { kind: 'analyze', path: 'a' } })).toBe(false);
    expect(isHostToJob({ type: 'start', id: 1, request: { kind: 'rm -rf' } })).toBe(false);
    expect(isHostToJob({ type: 'cancel', id: 'x' })).toBe(false);
    expect(isJobToHost({ type: 'ready', pid: 5 })).toBe(true);
    expect(isJobToHost({ type: 'result', id: 1, result: { kind: 'energy', value: energyReport('/m') } })).toBe(true);
    expect(isJobToHost({ type: 'result', id: 1, result: { kind: 'compare', value: { anything: 1 } } })).toBe(false);
    expect(isJobToHost({ type: 'result', id: 1, result: { kind: 'open' } })).toBe(false);
    expect(isJobToHost({ type: 'tensors', id: 1, tensors: 'no' })).toBe(false);
    expect(isJobToHost({ type: 'error', id: 1 })).toBe(false);
  });
});

describe('page shell CSP', () => {
  it('allows only nonce scripts and the extension origin for styles and images', () => {
    const csp = contentSecurityPolicy('https://res.example', 'N0NCE');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'nonce-N0NCE'");
    expect(csp).toContain("style-src https://res.example 'nonce-N0NCE'");
    expect(csp).toContain('img-src https://res.example data:');
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
  });
  it('puts the nonce on the script and escapes the title', () => {
    const html = webviewPageHtml({ cspSource: 'https://r', scriptUri: 'https://r/inspector.js', title: '<b>"x"</b>', nonce: 'abc' });
    expect(html).toContain('<script type="module" nonce="abc" src="https://r/inspector.js"></script>');
    expect(html).toContain('&lt;b&gt;&quot;x&quot;&lt;/b&gt;');
    expect(html.match(/<script/g)?.length).toBe(1);
    expect(escapeHtml(`'&`)).toBe('&#39;&amp;');
  });
  it('says how to fix a build without the UI bundle instead of a blank page', () => {
    expect(webviewPageHtml({ cspSource: 'x', scriptUri: undefined, title: 't' })).toMatch(/npm run build/);
  });
});

const stats = (gamma: number): NonNullable<TensorReport['stats']> => ({
  gamma, zeros: 1, plus: 1, minus: 2, zeroFraction: 0.25, entropyBits: 1.5, relRmse: 0.5, cosine: 0.9, sqnrDb: 6,
  min: -1, max: 1, mean: 0, std: 0.5, nonFinite: 0, histogram: { edges: [-1, 0, 1], counts: [3, 1] }, thresholds: [-gamma / 2, gamma / 2],
});
const tensor = (name: string, s: TensorReport['stats']): TensorReport => ({ name, dtype: 'F32', shape: [2, 2], params: 4, bytes: 16, quantized: true, stats: s });
const totals = { params: 8, bytes: 32, quantizedParams: 8, quantizedTensors: 2, dtypeParams: { F32: 8 }, memory: { asStored: 32, f32: 32, f16: 16, int8: 8, hfBitnet: 2, tq2_0: 2, tq1_0: 2, i2_s: 2, ideal: 2 } };
const report = (tensors: TensorReport[]): CheckpointReport => ({
  schemaVersion: 1, file: '/m.safetensors', format: 'safetensors', backend: 'js-stream', method: 'absmean', metadata: {}, tensors, totals,
  provenance: { tool: 't', engine: 'js-stream', settings: {}, createdAt: '', seconds: 0, machine: '' },
});

describe('what a (re)loaded page receives', () => {
  const header = report([tensor('a', null), tensor('b', null)]);
  const base = { header, fileName: 'm.safetensors', settings: { method: 'absmean' as const, include: [], exclude: [], backend: 'auto' }, lastCached: false, totals };

  it('mid-analysis: init with every row unanalysed, then the rows analysed so far, nothing else', () => {
    const events = syncEvents({ ...base, report: undefined, phase: 'analyzing', failure: undefined, tensorList: () => [tensor('a', stats(0.1)), tensor('b', null)] });
    expect(events.map((e) => e.type)).toEqual(['init', 'rows']);
    const init = events[0] as Extract<(typeof events)[0], { type: 'init' }>;
    expect(init.rows.map((r) => r.stats)).toEqual([null, null]);
    const rows = events[1] as Extract<(typeof events)[0], { type: 'rows' }>;
    expect(rows.rows.map((r) => r.name)).toEqual(['a']);
    expect(rows.rows[0]!.stats).toMatchObject({ gamma: 0.1, histogramBins: 2 });
    expect(rows.rows[0]!.stats).not.toHaveProperty('histogram');
  });

  it('init warns about each settings pattern that matches no tensor, under the setting\'s name, from the current settings', () => {
    const view = { ...base, report: undefined, phase: 'analyzing' as const, failure: undefined, tensorList: () => [] };
    const first = syncEvents({ ...view, settings: { ...base.settings, include: ['a'], exclude: ['b', 'c'] } })[0];
    expect(first).toMatchObject({ type: 'init', warnings: ['setting bitnetLab.exclude: "c" matches no tensor of this checkpoint'] });
    // Patterns that all match: no warnings field at all.
    expect(syncEvents({ ...view, settings: { ...base.settings, exclude: ['b'] } })[0]).not.toHaveProperty('warnings');
  });

  it('after a finished analysis it ends with analysisDone; after a header failure only the error', () => {
    const done = syncEvents({ ...base, report: report([tensor('a', stats(0.1))]), phase: 'analyzed', failure: undefined, tensorList: () => [tensor('a', stats(0.1))] });
    expect(done.at(-1)).toMatchObject({ type: 'analysisDone', cached: false, backend: 'js-stream' });
    const failure = { code: 'truncated', message: '/m.safetensors, byte 8: ends early', reason: 'ends early' };
    const failed = syncEvents({ ...base, header: undefined, report: undefined, phase: 'failed', failure, tensorList: () => [] });
    expect(failed).toEqual([{ type: 'error', message: failure.message, code: 'truncated', recoverable: false }]);
  });

  it('crashes and analysis failures are recoverable, header failures are not', () => {
    expect(errorEvent({ code: 'crash', message: 'm', reason: 'm' }, 'open').type === 'error' && (errorEvent({ code: 'crash', message: 'm', reason: 'm' }, 'open') as { recoverable: boolean }).recoverable).toBe(true);
    expect((errorEvent({ code: 'header', message: 'm', reason: 'm' }, 'open') as { recoverable: boolean }).recoverable).toBe(false);
    expect((errorEvent({ code: 'io', message: 'm', reason: 'm' }, 'analyze') as { recoverable: boolean }).recoverable).toBe(true);
  });

  it('histograms travel as float64 ArrayBuffers with the thresholds', () => {
    const h = histogramEvent(7, tensor('a', stats(0.2)));
    expect(h?.type).toBe('histogram');
    if (h?.type !== 'histogram') return;
    expect(h.requestId).toBe(7);
    expect(h.edges).toBeInstanceOf(ArrayBuffer);
    expect([...new Float64Array(h.edges)]).toEqual([-1, 0, 1]);
    expect([...new Float64Array(h.counts)]).toEqual([3, 1]);
    expect(h.thresholds).toEqual([-0.1, 0.1]);
    expect(histogramEvent(1, tensor('b', null))).toBeUndefined();
  });
});
