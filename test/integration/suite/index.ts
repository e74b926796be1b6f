/**
 * Integration tests run inside a real VS Code extension host (code-server or
 * @vscode/test-electron). `run()` is the entry both launchers call.
 */
import * as vscode from 'vscode';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BitnetLabApi } from '../../../src/extension/extension.js';
import type { AnalyzeOutcome } from '../../../src/extension/commands/inspect.js';
import type { TreeSnapshot } from '../../../src/extension/testingApi.js';
import { assert, assertEqual, loadConfig, runTests, sleep, waitFor, type TestFn } from './harness.js';
import { modelTests } from './models.js';
import { untilPainted, untilSeen, untilText } from './page.js';

const EXTENSION_ID = 'bitnet-lab.bitnet-lab';
const COMMANDS = [
  'bitnetLab.openInspector',
  'bitnetLab.analyze',
  'bitnetLab.exportReport',
  'bitnetLab.quantize',
  'bitnetLab.compareCheckpoints',
  'bitnetLab.train',
  'bitnetLab.finetune',
  'bitnetLab.compare',
  'bitnetLab.energyReport',
  'bitnetLab.cancelJob',
  'bitnetLab.exportPanelReport',
  'bitnetLab.openTrainingRun',
  'bitnetLab.evaluateQuality',
  'bitnetLab.tryModel',
];

/** Tensor names straight from the file's header, read independently of the extension. */
function headerNames(path: string): string[] {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  return Object.keys(JSON.parse(buf.subarray(8, 8 + n).toString('utf8'))).filter((k) => k !== '__metadata__');
}

function flatten(nodes: TreeSnapshot[] | undefined): TreeSnapshot[] {
  return (nodes ?? []).flatMap((n) => [n, ...flatten(n.children)]);
}

export async function run(): Promise<void> {
  const cfg = loadConfig();
  const ext = vscode.extensions.getExtension<BitnetLabApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  const api = (await ext.activate()).testing;
  const uri = (p: string): vscode.Uri => vscode.Uri.file(p);
  const analyze = (p: string, args: Record<string, unknown>): Thenable<AnalyzeOutcome | undefined> =>
    vscode.commands.executeCommand<AnalyzeOutcome | undefined>('bitnetLab.analyze', uri(p), args);

  const openInspector = async (p: string): Promise<void> => {
    await vscode.commands.executeCommand('vscode.openWith', uri(p), 'bitnetLab.checkpointInspector');
    await waitFor(() => api.models().find((m) => m.path === p), 10_000, `model of ${basename(p)}`);
  };

  const tests: Array<[string, TestFn]> = [
    [
      'contributions: every command is registered',
      async () => {
        const all = new Set(await vscode.commands.getCommands(true));
        const missing = COMMANDS.filter((c) => !all.has(c));
        assert(missing.length === 0, `missing commands: ${missing.join(', ')}`);
        assert(ext.isActive, 'extension active');
      },
    ],
    [
      'inspector opens the tiny checkpoint, streams the analysis and the page fills in',
      async (ctx) => {
        const names = headerNames(cfg.tiny);
        const t0 = Date.now();
        await openInspector(cfg.tiny);
        const m = await api.whenIdle(cfg.tiny);
        assert(m, 'model exists');
        assertEqual(m.phase, 'analyzed', 'phase');
        assertEqual(m.tensors, names.length, 'tensor count equals the header');
        assert(m.analysedTensors > 0, 'some tensors have statistics');
        const session = await waitFor(() => api.inspectorSessions(cfg.tiny).find((s) => s.ready), 20_000, 'the inspector page to say ready');
        assert(session.visible, 'panel visible');
        ctx.figure('openMs (host: fork already warm → header report)', Math.round(m.openMs ?? -1));
        ctx.figure('openWith → analysis idle, ms', Date.now() - t0);
        await vscode.commands.executeCommand('workbench.view.extension.bitnetLab');
        // What the user sees: the file's name, its tensor count, rows in file order, drawn charts.
        const scope = { within: 'bn-inspector', withinText: basename(cfg.tiny) };
        const title = await untilText(ctx, '.bn-title', scope, (t) => t === basename(cfg.tiny), 'the file name in the inspector header');
        if (title === undefined) ctx.note('no webview access: the page was not read');
        else {
          assertEqual(await untilText(ctx, '.bn-count', scope, (t) => /tensors$/.test(t), 'the tensor count'), `${names.length} tensors`, 'tensor count on the page');
          const rows = (await untilSeen(ctx, { selector: '.bn-row', action: 'attr', value: 'data-name', ...scope }, (r) => r.length > 0, 'tensor rows on the page'))!;
          assertEqual(rows.join('\n'), names.slice(0, rows.length).join('\n'), 'the rows shown are the header\'s tensors, in file order');
          const q = names.find((n) => n.endsWith('self_attn.q_proj.weight'))!;
          const gamma = (await untilSeen(ctx, { selector: `.bn-row[data-name="${q}"]`, action: 'text', ...scope }, (t) => t.length === 1 && /γ|\d/.test(t[0]!), `the ${q} row`))![0]!;
          const stats = m.analysedTensors;
          ctx.note(`row of ${q}: ${gamma.replace(/\s+/g, ' ').slice(0, 160)} (${stats} tensors analysed)`);
          await untilPainted(ctx, '#chart-memory canvas, #chart-gamma canvas, #chart-zero canvas', scope, 500, 'the memory and per-layer charts');
          await ctx.webview({ selector: '#chart-gamma canvas', action: 'hover', at: [0.5, 0.5], ...scope });
          const readout = await untilText(ctx, '#chart-gamma .bn-chart-readout', scope, (t) => t.length > 0, 'the γ chart read-out on hover');
          assert(/^layer \d+ · \S+ \d/.test(readout ?? ''), `the read-out names the layer and a projection's γ ("${readout}")`);
        }
        await sleep(500);
        await ctx.screenshot('inspector');
      },
    ],
    [
      'checkpoints tree: checkpoint → layer groups → tensors, and a tensor reveals in the inspector',
      async (ctx) => {
        const names = headerNames(cfg.tiny);
        const tree = await api.checkpointsTree();
        const root = tree.find((n) => n.label === basename(cfg.tiny));
        assert(root, `tree root for ${basename(cfg.tiny)} (got ${tree.map((n) => n.label).join(', ')})`);
        const groups = (root.children ?? []).map((g) => g.label);
        const layerIndices = [...new Set(names.map((n) => /\.layers\.(\d+)\./.exec(n)?.[1]).filter((x): x is string => x !== undefined))].sort((a, b) => +a - +b);
        for (const i of layerIndices) assert(groups.includes(`model.layers.${i}`), `group model.layers.${i} in ${groups.join(', ')}`);
        assert(groups.includes('embeddings, norms, head'), 'a group for non-layer tensors');
        const leaves = flatten(root.children).filter((n) => n.children === undefined);
        assertEqual(leaves.length, names.length, 'one leaf per tensor');
        const q = leaves.find((l) => l.label === 'self_attn.q_proj.weight');
        assert(q?.command?.command === 'bitnetLab.revealTensor', 'tensor item reveals in the inspector');
        assert(/γ/.test(q.description ?? ''), `analysed tensor shows γ in the tree (${q.description})`);
        await vscode.commands.executeCommand(q.command.command, ...(q.command.arguments ?? []));
        // The effect the user sees: that tensor selected in the table and open in the detail pane, histogram drawn.
        const full = names.find((n) => n.endsWith('layers.0.self_attn.q_proj.weight'))!;
        const scope = { within: 'bn-inspector', withinText: basename(cfg.tiny) };
        const detail = await untilText(ctx, '.bn-detail-title', scope, (t) => t === full, 'the revealed tensor in the detail pane');
        if (detail === undefined) ctx.note('no webview access: the page was not read');
        else {
          const selected = await untilSeen(ctx, { selector: '.bn-row.is-selected', action: 'attr', value: 'data-name', ...scope }, (r) => r.length === 1, 'one selected row');
          assertEqual(selected?.[0], full, 'the selected row is the revealed tensor');
          await untilPainted(ctx, 'bn-tensor-detail bn-histogram canvas', scope, 300, 'the revealed tensor\'s histogram');
        }
        await sleep(300);
        await ctx.screenshot('reveal');
      },
    ],
    [
      'jobs tree lists the finished analysis; the summary follows the active checkpoint',
      async () => {
        const job = api.jobs().find((j) => j.kind === 'analyze' && j.label.includes(basename(cfg.tiny)));
        assert(job, 'analysis job listed');
        assertEqual(job.status, 'done', 'job status');
        const summary = api.summary();
        assertEqual(summary?.fileName, basename(cfg.tiny), 'summary file');
        assert((summary?.totals.params ?? 0) > 0, 'summary has totals');
      },
    ],
    [
      'bitnetLab.analyze re-runs with another method, and returning to a method hits the cache',
      async () => {
        const median = await analyze(cfg.tiny, { method: 'median' });
        assertEqual(median?.method, 'median', 'method');
        assertEqual(median?.phase, 'analyzed', 'phase');
        assertEqual(median?.cached, false, 'first median run is computed');
        const again = await analyze(cfg.tiny, { method: 'absmean' });
        assertEqual(again?.phase, 'analyzed', 'phase');
        assertEqual(again?.cached, true, 'absmean came from the cache');
        assertEqual(again?.analysedTensors, median?.analysedTensors, 'same tensors analysed');
      },
    ],
    [
      'bitnetLab.exportReport writes the JSON report and the HTML page',
      async () => {
        const out = join(cfg.exportDir, 'tiny.report.json');
        const written = await vscode.commands.executeCommand<string | undefined>('bitnetLab.exportReport', uri(cfg.tiny), { format: 'json', output: out });
        assertEqual(written, out, 'written path');
        const report = JSON.parse(readFileSync(out, 'utf8')) as { tensors: unknown[]; method: string; schemaVersion: number };
        assertEqual(report.tensors.length, headerNames(cfg.tiny).length, 'tensors in the export');
        assertEqual(report.method, 'absmean', 'method in the export');
        const html = join(cfg.exportDir, 'tiny.report.html');
        const h = await vscode.commands.executeCommand<string | undefined>('bitnetLab.exportReport', uri(cfg.tiny), { format: 'html', output: html });
        assertEqual(h, html, 'the HTML export was written where asked');
        const page = readFileSync(html, 'utf8');
        assert(page.startsWith('<!doctype html>') || page.includes('<html'), 'HTML export is a page');
        // The page carries the same report (embedded as JSON) — not an empty shell.
        for (const n of headerNames(cfg.tiny).slice(0, 3)) assert(page.includes(JSON.stringify(n)), `the HTML export holds tensor ${n}`);
      },
    ],
    [
      'a corrupt checkpoint shows its error in the inspector and the host carries on',
      async (ctx) => {
        await openInspector(cfg.corrupt);
        const m = await api.whenIdle(cfg.corrupt);
        assertEqual(m?.phase, 'failed', 'phase');
        const msg = m?.failure?.message ?? '';
        assert(msg.includes('corrupt.safetensors'), `error names the file: ${msg}`);
        assert(/byte \d+/.test(msg), `error names the place: ${msg}`);
        assert(m?.failure?.code !== 'crash' && m?.failure?.code !== 'internal', `a typed error, not a crash (${m?.failure?.code})`);
        const shownError = await untilText(ctx, '.bn-error-panel .bn-error-message', { within: 'bn-inspector', withinText: basename(cfg.corrupt) }, (t) => t.length > 0, 'the error panel in the inspector');
        if (shownError === undefined) ctx.note('no webview access: the page was not read');
        else assertEqual(shownError, msg, 'the page shows the error the host got');
        ctx.note(msg);
        await sleep(800);
        await ctx.screenshot('corrupt');
        const ok = await analyze(cfg.tiny, { method: 'absmean' });
        assertEqual(ok?.phase, 'analyzed', 'other checkpoints still work');
      },
    ],
    [
      'killing the job process mid-analysis is reported, and the next analysis works',
      async () => {
        const spawnsBefore = api.jobProcessSpawns();
        await openInspector(cfg.big);
        await waitFor(() => api.jobs().find((j) => j.kind === 'analyze' && j.label.includes(basename(cfg.big)) && j.status === 'running' && (j.fraction ?? 0) > 0), 30_000, 'the big analysis to make progress');
        const pid = api.jobProcessPid();
        assert(api.killJobProcess(), 'kill delivered');
        const m = await api.whenIdle(cfg.big);
        assertEqual(m?.phase, 'failed', 'analysis failed');
        assertEqual(m?.failure?.code, 'crash', 'failure is the crash');
        const job = api.jobs().find((j) => j.kind === 'analyze' && j.label.includes(basename(cfg.big)));
        assertEqual(job?.status, 'failed', 'the job shows as failed');
        await waitFor(() => api.jobProcessPid() !== undefined && api.jobProcessPid() !== pid, 10_000, 'a new job process');
        assert(api.jobProcessSpawns() > spawnsBefore, 'process restarted');
        const again = await analyze(cfg.big, { method: 'absmean', useCache: false });
        assertEqual(again?.phase, 'analyzed', 'retry succeeds');
        assertEqual(again?.tensors, headerNames(cfg.big).length, 'all tensors');
      },
    ],
    [
      'bitnetLab.cancelJob stops a running analysis',
      async () => {
        const run = analyze(cfg.big, { method: 'median', useCache: false });
        const job = await waitFor(() => api.jobs().find((j) => j.kind === 'analyze' && j.status === 'running' && j.label.includes('median')), 30_000, 'the median analysis to start');
        const cancelled = await vscode.commands.executeCommand<boolean>('bitnetLab.cancelJob', job.id);
        assertEqual(cancelled, true, 'cancel accepted');
        const outcome = await run;
        assertEqual(outcome?.phase, 'cancelled', 'analysis phase');
        await waitFor(() => api.jobs().find((j) => j.id === job.id && j.status === 'cancelled'), 5_000, 'the job to show as cancelled');
      },
    ],
    [
      'Cancel on the quantize progress notification stops it within a second and leaves no output',
      async (ctx) => {
        const output = join(cfg.exportDir, 'big.cancelled.tq2_0.gguf');
        const run = vscode.commands.executeCommand('bitnetLab.quantize', uri(cfg.big), { quiet: true, output, options: { format: 'gguf-tq2_0', method: 'median' } });
        const job = await waitFor(() => api.jobs().find((j) => j.kind === 'quantize' && j.status === 'running' && j.label.includes('big.cancelled') && (j.fraction ?? 0) > 0), 30_000, 'the quantize job to make progress');
        const t0 = Date.now();
        assert(api.cancelFromProgress(job.id), 'the job has a progress notification to cancel');
        await waitFor(() => api.jobs().find((j) => j.id === job.id && j.status === 'cancelled'), 1000, 'the quantize job to show as cancelled within a second');
        ctx.figure('quantize: progress Cancel → Jobs view shows cancelled, ms', Date.now() - t0);
        assertEqual(await run, undefined, 'a cancelled quantize returns nothing');
        const left = readdirSync(cfg.exportDir).filter((f) => f.includes('big.cancelled'));
        assertEqual(left.length, 0, `no output and no temp file (${left.join(', ')})`);
      },
    ],
    [
      'killing the job process mid-quantize: the job fails as a crash, no output or temp file remains, a retry writes the output',
      async () => {
        const output = join(cfg.exportDir, 'big.killed.tq2_0.gguf');
        const ours = (): string[] => readdirSync(cfg.exportDir).filter((f) => f.includes('big.killed'));
        const args = { quiet: true, output, options: { format: 'gguf-tq2_0', method: 'median' } };
        const run = vscode.commands.executeCommand('bitnetLab.quantize', uri(cfg.big), args);
        const job = await waitFor(() => api.jobs().find((j) => j.kind === 'quantize' && j.status === 'running' && j.label.includes('big.killed') && (j.fraction ?? 0) > 0), 30_000, 'the quantize job to make progress');
        assert(ours().some((f) => f.endsWith('.tmp')), `the writer's temp file exists while it runs (${ours().join(', ')})`);
        const pid = api.jobProcessPid();
        assert(api.killJobProcess(), 'kill delivered');
        assertEqual(await run, undefined, 'a crashed quantize returns nothing');
        const failed = api.jobs().find((j) => j.id === job.id);
        assertEqual(failed?.status, 'failed', 'the job shows as failed');
        assert(/job process was killed \(SIGKILL\) while running "quantize"/.test(failed?.message ?? ''), `a plain crash message (${failed?.message})`);
        assertEqual(ours().length, 0, `no output and no temp file (${ours().join(', ')})`);
        await waitFor(() => api.jobProcessPid() !== undefined && api.jobProcessPid() !== pid, 10_000, 'a new job process');
        const again = await vscode.commands.executeCommand<{ quantizedTensors?: number } | undefined>('bitnetLab.quantize', uri(cfg.big), { ...args, options: { format: 'gguf-tq2_0' } });
        assert((again?.quantizedTensors ?? 0) > 0, 'the retry quantizes');
        assertEqual(ours().join(','), 'big.killed.tq2_0.gguf', 'only the finished output');
      },
    ],
    [
      'engine commands run in the job process: quantize, energy, diff; fine-tuning an unsupported architecture is refused plainly',
      async (ctx) => {
        const quiet = { quiet: true };
        const output = join(cfg.exportDir, 'tiny.hf-bitnet.safetensors');
        const q = await vscode.commands.executeCommand<{ outputs?: string[]; quantizedTensors?: number } | undefined>('bitnetLab.quantize', uri(cfg.tiny), { ...quiet, output, options: { format: 'hf-bitnet' } });
        const qJob = api.jobs().find((j) => j.kind === 'quantize');
        assertEqual(qJob?.status, 'done', `quantize job (${qJob?.message ?? ''})`);
        assert(existsSync(output), 'quantize wrote its output');
        assert((q?.quantizedTensors ?? 0) > 0, 'quantize summary counts quantized tensors');
        const e = await vscode.commands.executeCommand<{ layers?: unknown[] } | undefined>('bitnetLab.energyReport', uri(cfg.tiny), quiet);
        assert((e?.layers?.length ?? 0) > 0, 'energy report has layers');
        const d = await vscode.commands.executeCommand<{ totals?: { tensors: number; flips: number; flipRate: number } } | undefined>('bitnetLab.compareCheckpoints', uri(cfg.tiny), { ...quiet, other: cfg.tiny });
        assert((d?.totals?.tensors ?? 0) > 0, `a diff of a checkpoint with itself compares its projections (${d?.totals?.tensors})`);
        assertEqual(d?.totals?.flips, 0, 'a checkpoint diffed with itself has 0 flips');
        assertEqual(d?.totals?.flipRate, 0, 'and a 0 flip rate');
        // tiny_llama is not one of the trainable families: a plain refusal, not a crash.
        await vscode.commands.executeCommand('bitnetLab.finetune', uri(cfg.tiny), { ...quiet, options: { data: 'mnist', steps: 5 } });
        const ft = await waitFor(() => api.jobs().find((j) => j.kind === 'finetune' && j.status !== 'running'), 30_000, 'the finetune job');
        assertEqual(ft.status, 'failed', 'fine-tuning an unsupported architecture fails');
        assert(!/crash|internal/i.test(ft.message ?? '') && (ft.message ?? '').includes('tiny_llama'), `a plain message naming the file: ${ft.message}`);
        ctx.note(`finetune: ${ft.status} ${ft.message ?? ''}`);
        assert(api.jobProcessPid() !== undefined, 'job process alive');
      },
    ],
    [
      'bitnetLab.compare opens the comparison panel, which gets the report; export writes JSON + HTML',
      async (ctx) => {
        const value = await vscode.commands.executeCommand<{ kind?: string; linearLayers?: number } | undefined>('bitnetLab.compare', uri(cfg.tiny), { options: { timeBudgetMs: 20_000 } });
        assertEqual(value?.kind, 'bitnet-lab/comparison', 'the command returns the report');
        const t0 = Date.now();
        const panel = await waitFor(() => api.reportPanels().find((p) => p.viewType === 'bitnetLab.comparison' && p.ready), 60_000, 'the comparison page to say ready').catch((e: Error) => {
          throw new Error(`${e.message}; panels: ${JSON.stringify(api.reportPanels())}`);
        });
        assert(panel.visible, 'panel visible');
        assertEqual(panel.title, `BitNet vs FP: ${basename(cfg.tiny)}`, 'panel title');
        const scope = { within: '#cmp-model-quality' };
        const shownTitle = await untilText(ctx, '.cmp-title', scope, (t) => t.length > 0, 'the comparison report on the page', 60_000);
        if (shownTitle === undefined) ctx.note('no webview access: the page was not read');
        else {
          ctx.figure('compare panel: report done → report shown on the page, ms', Date.now() - t0);
          assertEqual(shownTitle, basename(cfg.tiny), 'the page titles the report with the checkpoint');
          await untilPainted(ctx, 'bn-bar-chart canvas', scope, 300, 'the comparison bar charts');
        }
        await sleep(500);
        await ctx.screenshot('compare-panel');
        const out = join(cfg.exportDir, 'tiny.comparison.html');
        const written = await vscode.commands.executeCommand<string[] | undefined>('bitnetLab.exportPanelReport', { output: out });
        assertEqual(written?.length, 2, 'two files written');
        const json = JSON.parse(readFileSync(join(cfg.exportDir, 'tiny.comparison.json'), 'utf8')) as { kind: string; linearLayers: number };
        assertEqual(json.kind, 'bitnet-lab/comparison', 'exported JSON is the report');
        assertEqual(json.linearLayers, value?.linearLayers, 'same report as the job returned');
        const html = readFileSync(out, 'utf8');
        assert(html.includes('id="bitnet-compare-report"') && /script-src \S*sha256-/.test(html), 'exported HTML embeds the report under a hash CSP');
      },
    ],
    [
      'bitnetLab.compareCheckpoints opens the diff panel with the per-layer report',
      async (ctx) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const value = await vscode.commands.executeCommand<{ totals?: { flipRate: number; tensors: number } } | undefined>('bitnetLab.compareCheckpoints', uri(cfg.diffA), { other: cfg.diffB });
        assert((value?.totals?.tensors ?? 0) === 6 * 7, `all 42 projections compared (${value?.totals?.tensors})`);
        assert((value?.totals?.flipRate ?? 0) > 0, 'the perturbed copy has flips');
        const panel = await waitFor(() => api.reportPanels().find((p) => p.viewType === 'bitnetLab.checkpointDiff' && p.ready), 20_000, 'the diff page to say ready');
        assertEqual(panel.title, `Diff: ${basename(cfg.diffA)} ↔ ${basename(cfg.diffB)}`, 'panel title');
        const scope = { within: '.df-header' };
        const shownTitle = await untilText(ctx, '.df-title', scope, (t) => t.length > 0, 'the diff report on the page');
        if (shownTitle === undefined) ctx.note('no webview access: the page was not read');
        else {
          assertEqual(shownTitle, `${basename(cfg.diffA)} ↔ ${basename(cfg.diffB)}`, 'the page names both checkpoints');
          await untilPainted(ctx, '#df-chart-flips canvas', scope, 500, 'the flip-rate chart');
          // The flip rate grows with depth in this fixture: the chart's read-out at the last layer shows a non-zero rate.
          await ctx.webview({ selector: '#df-chart-flips canvas', action: 'hover', at: [0.97, 0.3], ...scope });
          const readout = await untilText(ctx, '#df-chart-flips .bn-chart-readout', scope, (t) => t.length > 0, 'the flip-rate read-out on hover');
          assert(/^layer 5 · /.test(readout ?? '') && !/ 0(\.0+)?%/.test(readout ?? ''), `the last layer's flip rates are shown, non-zero ("${readout}")`);
        }
        await sleep(300);
        await ctx.screenshot('diff-panel');
      },
    ],
    [
      'bitnetLab.energyReport opens the energy panel with the chosen process node',
      async (ctx) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const value = await vscode.commands.executeCommand<{ node?: string; tokens?: number } | undefined>('bitnetLab.energyReport', uri(cfg.tiny), { options: { node: '45nm', tokens: 500 } });
        assertEqual(value?.node, '45nm', 'node as asked');
        assertEqual(value?.tokens, 500, 'tokens as asked');
        const panel = await waitFor(() => api.reportPanels().find((p) => p.viewType === 'bitnetLab.energyReport' && p.ready), 20_000, 'the energy page to say ready');
        assertEqual(panel.title, `Energy: ${basename(cfg.tiny)} (45nm)`, 'panel title');
        const scope = { within: '#en-totals' };
        const sub = await untilText(ctx, '.cmp-sub', scope, (t) => t.length > 0, 'the energy report on the page');
        if (sub === undefined) ctx.note('no webview access: the page was not read');
        else {
          assert(sub.includes('process node 45nm') && sub.includes('500 tokens'), `the page shows the node and tokens asked for ("${sub}")`);
          await untilPainted(ctx, '#en-totals bn-bar-chart canvas', scope, 300, 'the energy-per-format chart');
        }
        await sleep(300);
        await ctx.screenshot('energy-panel');
      },
    ],
    [
      'bitnetLab.train: a 20-step MNIST MLP opens the curves panel, writes both checkpoints, lists the run and reopens it',
      async (ctx) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const before = (await api.pastRuns()).length;
        const value = await vscode.commands.executeCommand<{ runs?: { bitnet?: { checkpoint: string | null; finalValMetric: number }; fp?: { checkpoint: string | null } } } | undefined>(
          'bitnetLab.train', undefined, { quiet: true, options: { model: 'mlp', steps: 20, evalEvery: 10 } },
        );
        const bit = value?.runs?.bitnet?.checkpoint;
        const fp = value?.runs?.fp?.checkpoint;
        assert(bit && existsSync(bit), `BitNet checkpoint written (${bit})`);
        assert(fp && existsSync(fp), `FP checkpoint written (${fp})`);
        assert(bit.startsWith(join(cfg.workspace, '.bitnet-lab', 'runs')), `run folder in the workspace (${bit})`);
        ctx.note(`20 steps: BitNet accuracy ${value?.runs?.bitnet?.finalValMetric}`);
        const panel = await waitFor(() => api.trainingPanels().find((p) => p.ready && p.lastStep === 20), 30_000, 'the training panel to have the curves up to step 20');
        // On the page: the status line reached step 20 and the loss curves are drawn.
        const status = await untilText(ctx, '#tr-status', { within: '#chart-train-loss' }, (t) => t.includes('step 20'), 'the training status at step 20');
        if (status === undefined) assert(panel.metricsMessages > 0, 'metrics reached the panel (no webview access to read the page)');
        else await untilPainted(ctx, '#chart-train-loss canvas, #chart-val-metric canvas', { within: '#chart-train-loss' }, 800, 'the training and validation curves');
        await sleep(1500);
        await ctx.screenshot('training-panel');
        const runs = await api.pastRuns();
        assertEqual(runs.length, before + 1, 'the finished run is listed');
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('bitnetLab.openTrainingRun', runs[0]!.dir);
        await waitFor(() => api.trainingPanels().find((p) => p.ready && p.title.startsWith('Run ') && p.lastStep === 20), 30_000, 'the past run reopened from metrics.jsonl');
        await vscode.commands.executeCommand('vscode.openWith', uri(bit), 'bitnetLab.checkpointInspector');
        await waitFor(() => api.models().find((x) => x.path === bit), 10_000, 'the BitNet checkpoint in the inspector');
        const m = await api.whenIdle(bit);
        assert(m && m.tensors > 0, 'checkpoint opens with tensors');
      },
    ],
    [
      'bitnetLab.finetune: QAT of the trained FP checkpoint shows before/after in the panel and writes a checkpoint',
      async (ctx) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const runs = await api.pastRuns();
        const fp = runs[0]?.checkpoints.fp;
        assert(fp && existsSync(fp), `an FP checkpoint from the training test (${fp})`);
        const value = await vscode.commands.executeCommand<{ before?: { fp: { valMetric: number }; ptq: { valMetric: number } }; after?: { checkpoint: string | null; finalValMetric: number } } | undefined>(
          'bitnetLab.finetune', uri(fp), { quiet: true, options: { data: 'mnist', steps: 10 } },
        );
        assert(value?.after?.checkpoint && existsSync(value.after.checkpoint), `fine-tuned checkpoint written (${value?.after?.checkpoint})`);
        ctx.note(`accuracy: FP ${value?.before?.fp.valMetric}, PTQ ${value?.before?.ptq.valMetric}, after 10 QAT steps ${value?.after?.finalValMetric}`);
        await waitFor(() => api.trainingPanels().find((p) => p.ready && p.title.startsWith('QAT fine-tune') && p.lastStep === 10), 30_000, 'the fine-tune panel with its curve');
        await sleep(1200);
        await ctx.screenshot('finetune-panel');
      },
    ],
    [
      'cancelling a training run leaves no checkpoint and no run folder',
      async () => {
        const before = (await api.pastRuns()).length;
        const run = vscode.commands.executeCommand('bitnetLab.train', undefined, { quiet: true, options: { model: 'mlp', steps: 5000 } });
        const job = await waitFor(() => api.jobs().find((j) => j.kind === 'train' && j.status === 'running' && (j.fraction ?? 0) > 0), 60_000, 'the long run to make progress');
        assertEqual(await vscode.commands.executeCommand<boolean>('bitnetLab.cancelJob', job.id), true, 'cancel accepted');
        assertEqual(await run, undefined, 'a cancelled run returns nothing');
        await waitFor(() => api.jobs().find((j) => j.id === job.id && j.status === 'cancelled'), 10_000, 'the job to show as cancelled');
        const root = join(cfg.workspace, '.bitnet-lab', 'runs');
        const leftovers = readdirSync(root).filter((d) => !existsSync(join(root, d, 'run.json')));
        assertEqual(leftovers.length, 0, `no unfinished run folders (${leftovers.join(', ')})`);
        assertEqual((await api.pastRuns()).length, before, 'no new run listed');
      },
    ],
    [
      'Cancel on the training progress notification ends the run as cancelled within a second, without restarting the job process',
      async (ctx) => {
        const pid = api.jobProcessPid();
        const spawns = api.jobProcessSpawns();
        const run = vscode.commands.executeCommand('bitnetLab.train', undefined, { quiet: true, options: { model: 'mlp', steps: 5000 } });
        const job = await waitFor(() => api.jobs().find((j) => j.kind === 'train' && j.status === 'running' && (j.fraction ?? 0) > 0), 60_000, 'the long run to make progress');
        const t0 = Date.now();
        assert(api.cancelFromProgress(job.id), 'the run has a progress notification to cancel');
        await waitFor(() => api.jobs().find((j) => j.id === job.id && j.status === 'cancelled'), 1000, 'the run to show as cancelled within a second');
        ctx.figure('train: progress Cancel → Jobs view shows cancelled, ms', Date.now() - t0);
        assertEqual(await run, undefined, 'a cancelled run returns nothing');
        // The loop saw the cancel itself: the 3 s kill fallback did not restart the process.
        assertEqual(api.jobProcessPid(), pid, 'same job process');
        assertEqual(api.jobProcessSpawns(), spawns, 'no restart');
        const root = join(cfg.workspace, '.bitnet-lab', 'runs');
        const leftovers = readdirSync(root).filter((d) => !existsSync(join(root, d, 'run.json')));
        assertEqual(leftovers.length, 0, `no unfinished run folders (${leftovers.join(', ')})`);
      },
    ],
    [
      'a checkpoint on a non-file scheme is copied through workspace.fs (bounded) and analysed',
      async () => {
        // A read-only virtual file system, as Remote/virtual workspaces provide: no local path exists.
        const bytes = readFileSync(cfg.tiny);
        const hugeSize = 4 * 1024 ** 3;
        const files = new Map<string, { size: number; data?: Uint8Array }>([
          ['/vfs/tiny_llama.safetensors', { size: bytes.length, data: bytes }],
          ['/vfs/huge.safetensors', { size: hugeSize }],
        ]);
        const entry = (u: vscode.Uri) => {
          const f = files.get(u.path);
          if (!f) throw vscode.FileSystemError.FileNotFound(u);
          return f;
        };
        const provider: vscode.FileSystemProvider = {
          onDidChangeFile: new vscode.EventEmitter<vscode.FileChangeEvent[]>().event,
          watch: () => new vscode.Disposable(() => undefined),
          stat: (u) => ({ type: vscode.FileType.File, ctime: 0, mtime: 1, size: entry(u).size }),
          readDirectory: () => [],
          createDirectory: () => undefined,
          readFile: (u) => {
            const f = entry(u);
            if (!f.data) throw new Error('the size limit must stop us before reading a huge remote file');
            return f.data;
          },
          writeFile: () => {
            throw vscode.FileSystemError.NoPermissions('read-only');
          },
          delete: () => undefined,
          rename: () => undefined,
        };
        const registration = vscode.workspace.registerFileSystemProvider('bitnetlab-vfs', provider, { isReadonly: true });
        try {
          const before = new Set(api.models().map((m) => m.path));
          await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.parse('bitnetlab-vfs:/vfs/tiny_llama.safetensors'), 'bitnetLab.checkpointInspector');
          const m = await waitFor(() => api.models().find((x) => !before.has(x.path) && x.path.endsWith('tiny_llama.safetensors')), 20_000, 'a model for the virtual file');
          assert(m.path.includes('remote-copies'), `analysed from a local copy (${m.path})`);
          const idle = await api.whenIdle(m.path);
          assertEqual(idle?.phase, 'analyzed', 'phase of the copied checkpoint');
          assertEqual(idle?.tensors, headerNames(cfg.tiny).length, 'tensor count');

          const { localPathFor } = await import('../../../src/extension/localCopy.js');
          let message = '';
          try {
            await localPathFor(vscode.Uri.parse('bitnetlab-vfs:/vfs/huge.safetensors'), vscode.Uri.file(cfg.exportDir));
          } catch (e) {
            message = e instanceof Error ? e.message : String(e);
          }
          assert(/above the \d+ MB limit/.test(message) && message.includes('huge.safetensors'), `a clear size-limit error naming the file (got "${message}")`);
        } finally {
          registration.dispose();
          await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        }
      },
    ],
  ];

  const result = await runTests(cfg, [...tests, ...modelTests(api, cfg)]);
  if (result.failed > 0) throw new Error(`${result.failed} integration test(s) failed: ${result.results.filter((r) => !r.ok).map((r) => r.name).join('; ')}`);
}
