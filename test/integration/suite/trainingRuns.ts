/**
 * Training beyond tfjs in real VS Code: a 2-rank PyTorch DDP run (Debian's
 * torch 1.13, CPU, gloo) launched from bitnetLab.train, its curve growing on
 * the page while the ranks train, its checkpoints listed as they are written
 * and diffed; the same config on tfjs overlaid in the same panel; a SLURM
 * script for its folder; and Open Training Run… following TensorBoard event
 * files as they grow, with a plain error for a file that is not one.
 * What the user sees is read from the webview frames (the launcher's
 * Playwright); the host's state only where the page cannot show it.
 */
import * as vscode from 'vscode';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestingApi } from '../../../src/extension/testingApi.js';
import type { SuiteConfig } from '../workspace.js';
import { eventBytes, eventFile, frame } from '../../unit/runs/eventWriter.js';
import { assert, assertEqual, waitFor, type TestContext, type TestFn } from './harness.js';
import { untilText } from './page.js';

const TORCH_PYTHON = '/usr/bin/python3';
const PANEL = '#tr-engine';

/** A small LM that takes a few hundred ms a step on this CPU, so the curve visibly grows: about 6 s for 20 steps. */
const SMALL_LM = { model: 'lm', steps: 20, evalEvery: 5, logEvery: 1, checkpointEvery: 10, dModel: 128, layers: 2, heads: 4, ffn: 384, context: 128, batchSize: 16, valTokens: 4096, warmupSteps: 2, baseline: false };

function torchAvailable(): boolean {
  return existsSync(TORCH_PYTHON);
}

async function shownAll(ctx: TestContext, selector: string, within = PANEL): Promise<string[] | undefined> {
  return ctx.webview({ selector, action: 'text', within });
}

/** Text of the first match in the training panel's frame ('' when none yet; undefined without page access). */
async function shown(ctx: TestContext, selector: string, within = PANEL): Promise<string | undefined> {
  const t = await shownAll(ctx, selector, within);
  return t === undefined ? undefined : (t[0] ?? '');
}

async function untilShown(ctx: TestContext, selector: string, ok: (t: string) => boolean, what: string, within = PANEL, timeoutMs = 30_000): Promise<string> {
  return (await untilText(ctx, selector, { within }, ok, what, timeoutMs)) ?? '(no webview access)';
}

const stepOf = (status: string): number | undefined => {
  const m = /step (\d+)/.exec(status);
  return m ? Number(m[1]) : undefined;
};

export function trainingRunTests(api: TestingApi, cfg: SuiteConfig, extensionPath: string): Array<[string, TestFn]> {
  const corpus = join(cfg.workspace, 'corpus.md');
  const state: { torchrunDir?: string } = {};
  return [
    [
      'training runs: torchrun, a 2-rank gloo run from bitnetLab.train grows its curve on the page, lists its checkpoints as written, and two of them diff',
      async (ctx) => {
        if (!torchAvailable()) return ctx.note(`no PyTorch at ${TORCH_PYTHON}: skipped`);
        copyFileSync(join(extensionPath, 'README.md'), corpus);
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const before = new Set(api.trainingPanels().map((p) => p.folder));
        const done = vscode.commands.executeCommand('bitnetLab.train', undefined, { quiet: true, options: { ...SMALL_LM, data: corpus, engine: 'torchrun', nproc: 2, python: TORCH_PYTHON } });
        const panel = await waitFor(() => api.trainingPanels().find((p) => p.ready && p.folder !== undefined && !before.has(p.folder)), 30_000, 'the training panel of the torchrun run');
        const dir = panel.folder!;
        state.torchrunDir = dir;
        assertEqual(panel.engine, 'PyTorch torchrun · 2 ranks', 'engine on the host');

        // What the page shows while the ranks train: the engine, the launch command, the step growing.
        const engine = await untilShown(ctx, '#tr-engine', (t) => t.length > 0, 'the engine line');
        if (engine === '(no webview access)') {
          ctx.note('no webview access: the page was not read');
          await done;
          return;
        }
        assertEqual(engine, 'PyTorch torchrun · 2 ranks', 'engine the user reads');
        const launch = await shown(ctx, '#tr-launch');
        assert(launch?.startsWith(`cd ${dir} && ${TORCH_PYTHON} -m torch.distributed.run `) && launch.includes('--nproc_per_node 2') && launch.endsWith('train_bitnet.py job.json'), `a launch command for this folder and 2 ranks (got "${launch}")`);
        const seen: number[] = [];
        let midShot = false;
        await waitFor(async () => {
          const status = (await shown(ctx, '#tr-status')) ?? '';
          const step = stepOf(status);
          if (step !== undefined && seen.at(-1) !== step) seen.push(step);
          if (!midShot && step !== undefined && step > 0 && step < 20) {
            midShot = true;
            await ctx.screenshot('torchrun-2-ranks-running');
          }
          return status.startsWith('done') && step === 20 ? status : undefined;
        }, 80_000, `the run to finish on the page (steps seen ${seen.join(', ')})`);
        const growing = seen.filter((s) => s > 0 && s < 20);
        ctx.note(`steps the page showed as the run went: ${seen.join(' → ')}`);
        assert(growing.length >= 1, `the page showed the curve part-way before the end (steps seen: ${seen.join(', ')})`);
        assert(seen.every((s, i) => i === 0 || s > seen[i - 1]!), `the step only grows (${seen.join(', ')})`);
        // After the run: the engine line says which backend the ranks used (run.json's distBackend).
        assertEqual(await untilShown(ctx, '#tr-engine', (t) => t.includes('gloo'), 'gloo on the engine line'), 'PyTorch torchrun · 2 ranks (gloo)', 'engine after the run');
        await ctx.screenshot('torchrun-2-ranks');

        // run.json, read independently: both ranks trained, rank 0 wrote.
        const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { engine: string; worldSize: number; distBackend: string };
        assertEqual(`${run.engine} ${run.worldSize} ${run.distBackend}`, 'torchrun 2 gloo', 'run.json');
        const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number });
        assertEqual(api.trainingPanels().find((p) => p.folder === dir)?.lastStep, 20, 'the panel holds the curve to step 20');
        assertEqual(metrics.filter((m) => m.kind === 'train').length, 20, 'one train point per step in metrics.jsonl (rank 0 alone logs)');

        // Checkpoints as written: steps 10 and 20, listed in the Jobs view; diff them.
        const live = await waitFor(() => api.liveRuns().find((r) => r.dir === dir && r.checkpoints.length >= 2), 10_000, 'two checkpoints of the run in the Jobs view');
        assertEqual(live.checkpoints.map((c) => `${c.run}@${c.step}`).join(','), 'bitnet@10,bitnet@20', 'checkpoints listed');
        for (const c of live.checkpoints) assert(existsSync(c.path), `${c.path} exists`);
        // The same list as the user sees it: the Jobs view of the BitNet Lab sidebar (tree rows of the workbench, not a webview).
        await vscode.commands.executeCommand('workbench.view.extension.bitnetLab');
        const rows = await waitFor(async () => {
          const t = await ctx.webview({ selector: '.monaco-list-row', action: 'text', within: '.monaco-workbench' });
          return t === undefined || t.some((r) => r.includes('step 20')) ? (t ?? []) : undefined;
        }, 10_000, 'the checkpoints in the Jobs view');
        if (rows.length > 0) {
          for (const step of [10, 20]) assert(rows.some((r) => r.includes(`BitNet b1.58 · step ${step}`)), `the Jobs view lists step ${step} (${JSON.stringify(rows)})`);
          await ctx.screenshot('torchrun-checkpoints-sidebar');
        }
        const a = live.checkpoints[0]!;
        const b = live.checkpoints[1]!;
        void vscode.commands.executeCommand('bitnetLab.diffRunCheckpoint', { dir, checkpoint: a }, b.path);
        await waitFor(() => api.reportPanels().find((p) => p.viewType === 'bitnetLab.checkpointDiff' && p.hasReport), 60_000, 'the checkpoint diff of steps 10 and 20');
        const flips = await waitFor(async () => {
          const t = await shown(ctx, '#df-kpi-flips', '#df-kpi-flips');
          return t && /%/.test(t) ? t : undefined;
        }, 20_000, 'the flip rate on the diff page');
        ctx.note(`flip rate between steps 10 and 20 on the page: ${flips}`);
        assert(/[1-9]/.test(flips.replace(/of ternary codes differ/, '')), `some ternary codes flipped between steps 10 and 20 (${flips})`);
        await ctx.screenshot('torchrun-checkpoint-diff');
        await done;
      },
    ],
    [
      'training runs: torchrun, the same config on tfjs overlays the 2-rank run in one panel, and a SLURM script is written for its folder',
      async (ctx) => {
        const dir = state.torchrunDir;
        if (!dir) return ctx.note('no torchrun run (PyTorch missing, or the previous test failed): skipped');
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const tfjs = (await vscode.commands.executeCommand('bitnetLab.train', undefined, { quiet: true, options: { ...SMALL_LM, data: corpus, engine: 'tfjs', steps: 2, evalEvery: 2 } })) as { runs?: { bitnet?: unknown } } | undefined;
        assert(tfjs?.runs?.bitnet, 'the tfjs run finished');
        const tfjsPanel = api.trainingPanels().find((p) => p.engine?.startsWith('tfjs') && p.lastStep === 2);
        assert(tfjsPanel?.folder, 'the tfjs run has its panel and folder');
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('bitnetLab.openTrainingRun', dir);
        await waitFor(() => api.trainingPanels().find((p) => p.ready && p.folder === dir && p.lastStep === 20), 20_000, 'the torchrun run reopened');
        assertEqual(api.trainingPanels().find((p) => p.folder === dir)?.slurm, true, 'a reopened torchrun folder still offers its SLURM script');
        const labels = (await vscode.commands.executeCommand('bitnetLab.overlayTrainingRun', tfjsPanel.folder)) as string[] | undefined;
        assert(labels && labels.length === 1 && labels[0]!.startsWith('tfjs'), `one tfjs overlay (${JSON.stringify(labels)})`);
        const overlaid = await untilShown(ctx, '#tr-overlays', (t) => t.includes('tfjs'), 'the overlay named on the page');
        if (overlaid !== '(no webview access)') {

          assertEqual(overlaid, `Overlaid: ${labels[0]}`, 'overlay line');
          const legend = await shownAll(ctx, '#chart-val-loss .bn-legend-item');
          assert(legend?.some((t) => t.includes(`BitNet b1.58 · ${labels[0]}`)) && legend.some((t) => t.trim() === 'BitNet b1.58'), `both runs in the validation-loss legend (${JSON.stringify(legend)})`);
          await ctx.screenshot('torchrun-vs-tfjs-overlay');
        }
        // Step-0 validation losses the two engines logged: the same model and data, so close (parity is measured in test/unit/torchrun/parity.test.ts).
        const val0 = (d: string): number => {
          const first = readFileSync(join(d, 'metrics.jsonl'), 'utf8').split('\n').map((l) => (l ? (JSON.parse(l) as { kind: string; step: number; valLoss?: number }) : undefined)).find((m) => m?.kind === 'eval' && m.step === 0);
          return first?.valLoss ?? NaN;
        };
        ctx.note(`step-0 validation loss: torchrun ${val0(dir)}, tfjs ${val0(tfjsPanel.folder)}`);
        assert(Math.abs(val0(dir) - val0(tfjsPanel.folder)) <= 1e-3 * Math.abs(val0(dir)), 'the two engines start from the same validation loss (1e-3 relative)');

        const sbatch = join(dir, 'train.sbatch');
        assertEqual(await vscode.commands.executeCommand('bitnetLab.saveSlurmScript', dir, { nodes: 4, gpusPerNode: 8, output: sbatch }), undefined, '32 ranks cannot split a batch of 16: refused');
        assert(!existsSync(sbatch), 'no script for a refused shape');
        assertEqual(await vscode.commands.executeCommand('bitnetLab.saveSlurmScript', dir, { nodes: 2, gpusPerNode: 8, output: sbatch }), sbatch, 'saved');
        const text = readFileSync(sbatch, 'utf8');
        for (const line of ['#SBATCH --nodes=2', '#SBATCH --gpus-per-node=8', '#SBATCH --ntasks-per-node=1', 'train_bitnet.py job.json']) assert(text.includes(line), `sbatch has "${line}"`);
        const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === sbatch);
        assertEqual(editor?.document.getText(), text, 'the script is open in an editor');
      },
    ],
    [
      'training runs: torchrun with an interpreter that has no torch fails with one line naming it, on the page',
      async (ctx) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        // Debian's own interpreter without its site packages (-S): the real python3, with no torch to import.
        const python = join(cfg.workspace, 'python-without-site');
        writeFileSync(python, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n', { mode: 0o755 });
        const before = new Set(api.trainingPanels().map((p) => p.folder));
        const result = await vscode.commands.executeCommand('bitnetLab.train', undefined, { quiet: true, options: { ...SMALL_LM, data: corpus, engine: 'torchrun', nproc: 1, python } });
        assertEqual(result, undefined, 'the run failed');
        const panel = api.trainingPanels().find((p) => p.folder !== undefined && !before.has(p.folder));
        assert(panel?.folder && !existsSync(panel.folder), 'no run folder is left behind');
        const status = await untilShown(ctx, '#tr-status', (t) => t.startsWith('error'), 'the error on the page');
        if (status !== '(no webview access)') {
          assert(status.includes(`Python interpreter ${python} cannot import torch`) && status.includes('PyTorch >= 1.13'), `one line naming the interpreter (${status})`);
        }
      },
    ],
    [
      'training runs: Open Training Run… follows TensorBoard event files as they grow, and says plainly when a file is not an event file',
      async (ctx) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const tb = join(cfg.workspace, 'tb-run');
        mkdirSync(tb, { recursive: true });
        const file = join(tb, 'events.out.tfevents.1700000000.host.1.0');
        const loss = (step: number): Parameters<typeof eventBytes>[0] => ({ wallTime: 1.7e9 + step, step, values: [{ tag: 'train/loss', simple: 3 / (1 + step) }] });
        writeFileSync(file, eventFile([loss(1), loss(2), loss(3)]));
        await vscode.commands.executeCommand('bitnetLab.openTrainingRun', tb);
        await waitFor(() => api.trainingPanels().find((p) => p.ready && p.folder === tb && p.lastStep === 3), 20_000, 'the event file read');
        const engine = await untilShown(ctx, '#tr-engine', (t) => t.length > 0, 'the engine line');
        if (engine !== '(no webview access)') {
          assertEqual(engine, 'TensorBoard event files', 'what the curves come from');
          await untilShown(ctx, '#tr-status', (t) => t.includes('step 3'), 'step 3 on the page');
        }
        // The trainer writes on: three more records.
        for (const s of [4, 5, 6]) appendFileSync(file, frame(eventBytes(loss(s))));
        await waitFor(() => api.trainingPanels().find((p) => p.folder === tb && p.lastStep === 6), 20_000, 'the new records followed');
        if (engine !== '(no webview access)') {
          const status = await untilShown(ctx, '#tr-status', (t) => t.includes('step 6'), 'step 6 on the page');
          assert(status.includes('6 points'), `six points drawn (${status})`);
        }

        const bad = join(cfg.workspace, 'not-events');
        mkdirSync(bad, { recursive: true });
        writeFileSync(join(bad, 'events.out.tfevents.bad'), 'this is a text file, not TFRecord framing\n');
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('bitnetLab.openTrainingRun', bad);
        if (engine !== '(no webview access)') {
          const status = await untilShown(ctx, '#tr-status', (t) => t.startsWith('error'), 'the error on the page');
          assert(status.includes('not a TensorBoard event file') && status.includes('events.out.tfevents.bad'), `a plain error naming the file (${status})`);
        }
      },
    ],
  ];
}
