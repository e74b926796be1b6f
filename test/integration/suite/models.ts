/**
 * Real models in real VS Code: the inspector's Quality section and the Try
 * it panel, asserted on what the user sees inside the webview frames (the
 * launcher reads them with Playwright) as well as on what the host holds.
 */
import * as vscode from 'vscode';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { EvalJobValue } from '../../../src/protocol/models.js';
import type { EvalResult, GenerateResult } from '../../../src/core/model/api.js';
import { formatSig } from '../../../webview-ui/src/shared/format.js';
import { untilPainted, untilSeen, untilText } from './page.js';
import type { TestingApi } from '../../../src/extension/testingApi.js';
import type { TryColumn } from '../../../src/protocol/models.js';
import type { SuiteConfig } from '../workspace.js';
import { assert, assertEqual, sleep, waitFor, type TestContext, type TestFn } from './harness.js';

const INSPECTOR = 'bn-inspector';
const TRY = 'bn-try-model';

/** Wait until the page shows something matching `ok` (skipped, with a note, when no page is driven). */
async function untilShown(ctx: TestContext, selector: string, within: string, ok: (text: string) => boolean, what: string): Promise<string> {
  return (await untilText(ctx, selector, { within }, ok, what)) ?? '(no webview access)';
}

/** A result file the launcher writes from the CLI (waits for it; fails on the CLI's error). */
async function expectedFrom<T>(file: string, what: string): Promise<T> {
  await waitFor(() => existsSync(file), 80_000, `the launcher's ${what}`);
  const v = JSON.parse(readFileSync(file, 'utf8')) as T & { error?: string };
  if (v.error !== undefined) throw new Error(`${what}: ${v.error}`);
  return v;
}

export function modelTests(api: TestingApi, cfg: SuiteConfig): Array<[string, TestFn]> {
  const uri = (p: string): vscode.Uri => vscode.Uri.file(p);
  return [
    ...realModelTests(api, cfg),
    [
      'inspector Quality section: its Try it button opens the Try it panel for that checkpoint',
      async (ctx) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('vscode.openWith', uri(cfg.tiny), 'bitnetLab.checkpointInspector');
        await waitFor(() => api.models().find((m) => m.path === cfg.tiny), 10_000, 'the inspector model');
        const title = await untilShown(ctx, '#mq-section h3', INSPECTOR, (t) => t.length > 0, 'the Quality section in the inspector page');
        if (title !== '(no webview access)') {
          assertEqual(title, 'Model quality on your text', 'section title the user sees');
          await ctx.webview({ selector: '#mq-try', action: 'click', within: INSPECTOR });
          const panel = await waitFor(() => api.tryPanels().find((p) => p.path === cfg.tiny && p.ready), 20_000, 'the Try it panel to open and say ready');
          assertEqual(panel.state.columns.map((c) => c.mode).join(','), 'fp,ternary', 'an F32 checkpoint is compared with post-training ternary');
          assertEqual(await untilShown(ctx, '.try-title', TRY, (t) => t.startsWith('Try it'), 'the Try it page'), `Try it: ${basename(cfg.tiny)}`, 'panel title on the page');
        } else ctx.note('no webview access: the page was not read');
      },
    ],
    [
      'Try it on a checkpoint this build cannot run: both columns say why, on the page',
      async (ctx) => {
        const columns = await vscode.commands.executeCommand<TryColumn[] | undefined>('bitnetLab.tryModel', uri(cfg.tiny), { prompt: 'Hello', settings: { maxTokens: 4 } });
        assert(columns !== undefined && columns.length === 2, 'two columns');
        for (const c of columns) assertEqual(c.status === 'failed' || c.status === 'done', true, `column ${c.mode} finished (${c.status}: ${c.message ?? ''})`);
        const failed = columns.find((c) => c.status === 'failed');
        if (failed) {
          const text = await untilShown(ctx, `#try-col-${failed.mode} .mq-error`, TRY, (t) => t.length > 0, 'the failure on the page');
          if (text !== '(no webview access)') assertEqual(text, failed.message ?? '', 'the page shows the failure the host got');
        }
        await sleep(500);
        await ctx.screenshot('try-it-unavailable');
      },
    ],
  ];
}

/**
 * The PyTorch-made Llama (HF folder with tokenizer.json) through the Quality
 * section and the Try it panel, checked against the CLI on the same inputs.
 */
function realModelTests(api: TestingApi, cfg: SuiteConfig): Array<[string, TestFn]> {
  const m = cfg.realModel;
  if (m === undefined) {
    return [['real model: not run — this workspace has no PyTorch-made model (PyTorch missing, or a launcher that does not build it)', async (ctx) => ctx.note('the code-server launcher builds it when /usr/bin/python3 imports torch')]];
  }
  const uri = (p: string): vscode.Uri => vscode.Uri.file(p);
  const file = basename(m.checkpoint);
  const inspector = { within: INSPECTOR, withinText: file };
  const tryScope = { within: TRY };
  return [
    [
      'real model: the Quality section shows FP and ternary perplexity equal to `bitnet-lab eval --json` and every layer\'s error',
      async (ctx) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('vscode.openWith', uri(m.checkpoint), 'bitnetLab.checkpointInspector');
        await waitFor(() => api.models().find((x) => x.path === m.checkpoint), 20_000, 'the inspector model');
        const value = await vscode.commands.executeCommand<EvalJobValue | undefined>('bitnetLab.evaluateQuality', uri(m.checkpoint), { textFile: m.textFile, settings: { context: m.context } });
        assert(value !== undefined, 'the evaluation finished');
        const cli = await expectedFrom<EvalResult>(m.expectedEval, 'bitnet-lab eval --json');
        assertEqual(value.result.tokens, cli.tokens, 'tokens: the extension and the CLI tokenize the text alike');
        assertEqual(value.result.windows, cli.windows, 'windows');
        const ppl = await untilSeen(ctx, { selector: '#mq-ppl tbody tr', action: 'attr', value: 'data-mode', ...inspector }, (r) => r.length === 2, 'the perplexity table on the page', 30_000);
        if (ppl === undefined) {
          ctx.note('no webview access: the page was not read');
          return;
        }
        assertEqual(ppl.join(','), 'fp,ternary', 'one row for FP, one for ternary');
        for (const mode of ['fp', 'ternary'] as const) {
          const cells = (await ctx.webview({ selector: `#mq-ppl tr[data-mode="${mode}"] td`, action: 'text', ...inspector }))!;
          const want = cli.results[mode]!;
          assertEqual(cells[1], formatSig(want.perplexity, 5), `${mode} perplexity on the page equals the CLI's`);
          assertEqual(cells[2], want.nll.toFixed(4), `${mode} NLL on the page equals the CLI's`);
          assertEqual(cells[3], want.bitsPerByte.toFixed(4), `${mode} bits per byte on the page equals the CLI's`);
          ctx.note(`${mode}: perplexity ${cells[1]}, NLL ${cells[2]} (CLI ${want.perplexity}, ${want.nll})`);
        }
        const prov = await untilText(ctx, '#mq-prov', inspector, (t) => t.length > 0, 'the provenance line');
        assert(prov!.startsWith(`${cli.tokens} tokens of eval.txt`) && prov!.includes(`${cli.windows} windows of ${m.context} tokens`), `the page says what was measured ("${prov}")`);
        const names = (await untilSeen(ctx, { selector: '#mq-layers td.mq-name', action: 'text', ...inspector }, (r) => r.length > 0, 'the per-layer rows'))!;
        const worst = [...cli.layers].sort((a, b) => b.relativeRmse - a.relativeRmse).slice(0, 20).map((l) => l.name);
        assertEqual([...names].sort().join(','), [...worst].sort().join(','), 'the per-layer rows are the CLI\'s layers');
        assert(names.length === Math.min(20, cli.layers.length) && names.length > 0, `one row per linear layer (${names.length})`);
        const painted = await untilPainted(ctx, '#mq-layer-chart canvas', inspector, 500, 'the per-layer error chart');
        ctx.note(`per-layer error chart: ${painted?.[0]} pixels painted`);
        await vscode.commands.executeCommand('workbench.action.closeSidebar');
        // Hovering scrolls the per-layer table into view, as a reader would, and reads the chart there.
        await ctx.webview({ selector: '#mq-layer-chart canvas', action: 'hover', at: [0.5, 0.4], ...inspector });
        const readout = await untilText(ctx, '#mq-layer-chart .bn-chart-readout', inspector, (t) => t.length > 0, 'the per-layer chart read-out');
        assert(/^layer [01] · \S+ 0\.\d+/.test(readout ?? ''), `the read-out gives a layer and its error ("${readout}")`);
        await sleep(400);
        await ctx.screenshot('quality-real-model');
      },
    ],
    [
      'real model: Try it streams the FP and ternary continuations with tokens/s; FP equals `bitnet-lab generate --temperature 0`',
      async (ctx) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const run = vscode.commands.executeCommand<TryColumn[] | undefined>('bitnetLab.tryModel', uri(m.checkpoint), { prompt: m.prompt, settings: { maxTokens: m.maxTokens, temperature: 0 } });
        // This short greedy run can finish before the page is first read (the kernels decode it in well under
        // a second), so the streaming state is checked in the 2000-token Cancel test below.
        const columns = await run;
        const streaming = await ctx.webview({ selector: '.try-title', action: 'text', ...tryScope });
        assert(columns !== undefined && columns.length === 2, 'two columns');
        assertEqual(columns.map((c) => `${c.mode}:${c.status}`).join(','), 'fp:done,ternary:done', `both finished (${columns.map((c) => c.message ?? '').join(' | ')})`);
        if (streaming === undefined) {
          ctx.note('no webview access: the page was not read');
          return;
        }
        assertEqual(await untilText(ctx, '.try-title', tryScope, (t) => t.startsWith('Try it'), 'the panel title'), 'Try it: llama-hf/model.safetensors', 'an HF folder\'s model is named with its folder');
        for (const c of columns) {
          const out = await untilText(ctx, `#try-col-${c.mode} .try-out`, tryScope, (t) => t === c.text, `the ${c.mode} continuation on the page`);
          assert(out !== undefined && out.length > 0, `${c.mode} shows a continuation`);
          const rate = await untilText(ctx, `#try-col-${c.mode} .try-rate`, tryScope, (t) => /tokens\/s$/.test(t), `${c.mode} tokens/s`);
          assert(/^[\d,.]+ tokens\/s$/.test(rate ?? ''), `${c.mode} shows its tokens/s ("${rate}")`);
          assertEqual(await untilText(ctx, `#try-col-${c.mode} .try-status`, tryScope, (t) => t === 'done', `${c.mode} done`), 'done', `${c.mode} status`);
        }
        const cli = await expectedFrom<GenerateResult>(m.expectedFpGenerate, 'bitnet-lab generate --json');
        assertEqual(columns[0]!.text, cli.text, 'the FP greedy continuation equals the CLI\'s');
        ctx.note(`FP: ${JSON.stringify(columns[0]!.text)} · ternary: ${JSON.stringify(columns[1]!.text)}`);
        await sleep(300);
        await ctx.screenshot('try-it-real-model');
      },
    ],
    [
      'real model: Cancel on the Try it page stops both continuations',
      async (ctx) => {
        const run = vscode.commands.executeCommand<TryColumn[] | undefined>('bitnetLab.tryModel', uri(m.checkpoint), { prompt: 'Once upon a time', settings: { maxTokens: 2000, temperature: 0.8, seed: 7 } });
        const texts = await untilSeen(ctx, { selector: '.try-column[data-status="running"] .try-out', action: 'text', ...tryScope }, (t) => t.length === 2 && t.every((x) => x.length > 0), 'both columns streaming', 60_000);
        if (texts === undefined) {
          ctx.note('no webview access: cancelling through the panel instead');
          await vscode.commands.executeCommand('workbench.action.closeAllEditors');
          await run;
          return;
        }
        // Streaming: a column that is still generating shows its text and a running count with tokens/s.
        const stats = await untilSeen(ctx, { selector: '.try-column[data-status="running"] .try-stats', action: 'text', ...tryScope }, (t) => t.some((x) => /\d+ tokens? so far · [\d,.]+ tokens\/s/.test(x)), 'a running count with tokens/s', 30_000);
        ctx.note(`while streaming: ${(stats ?? []).map((x) => x.replace(/\s+/g, ' ').trim()).join(' | ')}`);
        await ctx.webview({ selector: '#try-cancel', action: 'click', ...tryScope });
        const columns = await run;
        assert(columns !== undefined, 'the run resolves');
        for (const c of columns) {
          assertEqual(c.status, 'cancelled', `${c.mode} cancelled (${c.message ?? ''})`);
          assert(c.tokens < 2000, `${c.mode} stopped early (${c.tokens} tokens)`);
        }
        const statuses = await untilSeen(ctx, { selector: '.try-column', action: 'attr', value: 'data-status', ...tryScope }, (s) => s.length === 2 && s.every((x) => x === 'cancelled'), 'both columns cancelled on the page');
        assertEqual(statuses!.join(','), 'cancelled,cancelled', 'the page shows both cancelled');
        const before = (await ctx.webview({ selector: '.try-out', action: 'text', ...tryScope }))!;
        await sleep(1500);
        const after = (await ctx.webview({ selector: '.try-out', action: 'text', ...tryScope }))!;
        assertEqual(after.join('\u0000'), before.join('\u0000'), 'no text arrives after Cancel');
        for (const c of columns) {
          assertEqual(after[columns.indexOf(c)], c.text, `${c.mode}: the page shows what was generated before Cancel`);
          const said = (await ctx.webview({ selector: `#try-col-${c.mode} .mq-note`, action: 'text', ...tryScope }))?.[0];
          assertEqual(said, `Cancelled after ${c.tokens} tokens.`, `${c.mode} says where it stopped`);
        }
        assert((await ctx.webview({ selector: '#try-generate', action: 'text', ...tryScope }))?.length === 1, 'Generate is offered again');
        await sleep(300);
        await ctx.screenshot('try-it-cancelled');
      },
    ],
  ];
}
