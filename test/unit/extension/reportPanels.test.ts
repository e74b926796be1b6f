/**
 * Host logic of the report panels that needs no VS Code: message validation,
 * per-kind titles / recognition / export names, the self-contained HTML
 * (parsed back and its CSP hash recomputed), and the last-report store.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPanelRequest } from '../../../src/protocol/panels.js';
import { exportPaths, progressSuffix, REPORT_KINDS, reportKindOfViewType } from '../../../src/extension/panels/reportKinds.js';
import { renderSelfContainedHtml } from '../../../src/extension/panels/selfContainedHtml.js';
import { ReportStore } from '../../../src/extension/panels/reportStore.js';
import type { ComparisonReport } from '../../../src/core/analysis/compare.js';
import type { CheckpointDiff } from '../../../src/core/analysis/diff.js';
import { energyReport } from './fixtures/engineValues.js';

// Real engine output, read back as the report store does (schemas: engineResults.test.ts checks them).
const diff = JSON.parse(readFileSync(join(__dirname, '../../fixtures/reports/diff-llama-8l.json'), 'utf8')) as CheckpointDiff;
const comparison = JSON.parse(readFileSync(join(__dirname, '../../fixtures/reports/compare-llama-1024x4.json'), 'utf8')) as ComparisonReport;

describe('panel → host messages', () => {
  it('accepts ready and export only', () => {
    expect(isPanelRequest({ type: 'ready' })).toBe(true);
    expect(isPanelRequest({ type: 'export' })).toBe(true);
    for (const bad of [null, undefined, 'ready', { type: 'openFile', path: '/etc/passwd' }, { kind: 'ready' }]) expect(isPanelRequest(bad)).toBe(false);
  });
});

describe('report kinds', () => {
  it('recognise their own reports and no other kind', () => {
    const energy = { file: '/m/x.safetensors', node: '45nm', totals: [], layers: [] };
    expect(REPORT_KINDS.compare.isReport(comparison)).toBe(true);
    expect(REPORT_KINDS.diff.isReport(diff)).toBe(true);
    expect(REPORT_KINDS.energy.isReport(energy)).toBe(true);
    expect(REPORT_KINDS.compare.isReport(diff)).toBe(false);
    expect(REPORT_KINDS.diff.isReport(comparison)).toBe(false);
    expect(REPORT_KINDS.energy.isReport(diff)).toBe(false);
    expect(REPORT_KINDS.energy.isReport(undefined)).toBe(false);
  });

  it('title reports by their files and map view types back', () => {
    expect(REPORT_KINDS.diff.title(diff)).toBe('Diff: diffA.safetensors ↔ diffB.safetensors');
    expect(REPORT_KINDS.compare.title(comparison)).toBe('BitNet vs FP: llama-1024x4.safetensors');
    expect(REPORT_KINDS.energy.title(energyReport('C:\\m\\x.safetensors'))).toBe('Energy: x.safetensors (7nm)');
    expect(reportKindOfViewType('bitnetLab.checkpointDiff')?.kind).toBe('diff');
    expect(reportKindOfViewType('bitnetLab.checkpointInspector')).toBeUndefined();
    // View types are the package.json activation events.
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { activationEvents: string[] };
    for (const k of Object.values(REPORT_KINDS)) expect(pkg.activationEvents).toContain(`onWebviewPanel:${k.viewType}`);
  });

  it('export one stem as .json and .html whichever extension the dialog returned', () => {
    expect(exportPaths('/out/r.html')).toEqual({ json: '/out/r.json', html: '/out/r.html' });
    expect(exportPaths('/out/r.JSON')).toEqual({ json: '/out/r.json', html: '/out/r.html' });
    expect(exportPaths('/out/r')).toEqual({ json: '/out/r.json', html: '/out/r.html' });
    expect(REPORT_KINDS.diff.exportStem(diff)).toBe('diffA.safetensors--diffB.safetensors.diff');
  });

  it('progress suffix: whole percent, clamped; the label when the total is unknown', () => {
    expect(progressSuffix(1, 3)).toBe('33%');
    expect(progressSuffix(5, 3)).toBe('100%');
    expect(progressSuffix(0, 0, 'reading header')).toBe('reading header');
  });
});

describe('self-contained HTML', () => {
  it('embeds the report as parseable JSON and pins the inline script by its hash', () => {
    const report = { ...diff, note: '</script><script>alert(1)</script>' };
    const bundle = 'console.log("</script>");\n//# sourceMappingURL=diff.js.map\n';
    const html = REPORT_KINDS.diff.html(report, bundle);
    const json = /<script type="application\/json" id="bitnet-diff-report">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(json)).toEqual(report);
    const inline = /<script type="module">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(inline).not.toContain('sourceMappingURL');
    expect(inline).toContain('<\\/script>');
    const hash = createHash('sha256').update(inline, 'utf8').digest('base64');
    expect(html).toContain(`sha256-${hash}`);
    expect(html).toContain('default-src &#39;none&#39;');
    expect((html.match(/<script/g) ?? []).length).toBe(2);
  });

  it('escapes the title', () => {
    expect(renderSelfContainedHtml('<b>x</b>', 'id', {}, '')).toContain('<title>&#60;b&#62;x&#60;/b&#62;</title>');
  });
});

describe('last-report store', () => {
  it('keeps one report per kind, written atomically; unreadable files read as none', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'bitnet-store-')), 'panels');
    const store = new ReportStore(dir);
    expect(await store.load('diff')).toBeUndefined();
    await store.save('diff', diff);
    await store.save('compare', comparison);
    expect(await store.load('diff')).toEqual(diff);
    expect(await store.load('compare')).toEqual(comparison);
    expect(readdirSync(dir).sort()).toEqual(['last-compare.json', 'last-diff.json']);
    writeFileSync(join(dir, 'last-energy.json'), '{"truncated": ');
    expect(await store.load('energy')).toBeUndefined();
  });
});
