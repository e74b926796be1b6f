import { resolve } from 'node:path';
import { BitnetLabError } from '../../core/errors.js';
import { finetuneRun } from '../../core/nn/finetune.js';
import { intOption, parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { createProgressBar } from '../progressBar.js';
import { backendOption, defaultOutDir, floatOption, fmtMetric } from './trainShared.js';

export const finetune: CliCommand = {
  name: 'finetune',
  summary: 'quantization-aware fine-tuning (BitNet b1.58) of a checkpoint; quality before (PTQ) and after',
  usage: `usage: bitnet-lab finetune <checkpoint.safetensors> --data mnist|<file-or-folder> [options]

  <checkpoint>       saved by "bitnet-lab train", or a safetensors whose tensor names and
                     [out, in] shapes match the MLP (layers.<i>.weight) or the LM family
  --data D           mnist (MLP) or a text file / folder (LM)
  --steps N          QAT steps (default 300)
  --batch N          batch size
  --lr X --lr2 X     peak lr of stage 1 / 2 (default 1e-3 / 5e-4)
  --out DIR          output folder (default bitnet-lab-runs/finetune-<time>)
  --backend B        auto | tensorflow | wasm | cpu
  --json             print {checkpoint, backend, before: {fp, ptq}, after} as one JSON object
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('finetune', argv, {
      data: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      lr2: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new BitnetLabError('usage', 'finetune: give exactly one checkpoint (see bitnet-lab finetune --help)');
    if (values.data === undefined) throw new BitnetLabError('usage', 'finetune: --data is required (mnist, or a text file / folder)');
    const backend = backendOption('finetune', values.backend);
    const data = values.data === 'mnist' ? 'mnist' : resolve(String(values.data));
    const steps = intOption('finetune', 'steps', values.steps, 300, 1);
    const recipe: { peakLr?: number; secondPeakLr?: number } = {};
    if (values.lr !== undefined) recipe.peakLr = floatOption('finetune', 'lr', values.lr, 1e-3);
    if (values.lr2 !== undefined) recipe.secondPeakLr = floatOption('finetune', 'lr2', values.lr2, 5e-4);
    const out = resolve(values.out !== undefined ? String(values.out) : defaultOutDir('finetune'));
    const bar = createProgressBar(io, 'fine-tuning');
    // done() prints a final line on pipes: call it exactly once.
    let closed = false;
    const closeBar = (outcome?: 'failed'): void => {
      if (!closed) bar.done(outcome);
      closed = true;
    };
    try {
      const r = await finetuneRun(resolve(positionals[0]!), {
        data, steps, recipe,
        ...(values.batch !== undefined ? { batchSize: intOption('finetune', 'batch', values.batch, 1, 1) } : {}),
      }, { backend, out, signal: io.signal, onProgress: bar.update });
      closeBar();
      if (values.json) {
        io.stdout(`${JSON.stringify({ checkpoint: r.checkpoint, family: r.family, backend: r.backend, metricName: r.metricName, before: r.before, after: r.after, config: r.config })}\n`);
      } else {
        const m = (v: number) => fmtMetric(r.metricName, v);
        io.stdout(`quantization-aware fine-tuning of ${r.checkpoint} (${r.family}), backend ${r.backend}\n`);
        io.stdout(`  before, full precision      : val loss ${r.before.fp.valLoss.toFixed(4)}  ${r.metricName} ${m(r.before.fp.valMetric)}\n`);
        io.stdout(`  before, PTQ ternary (${r.config.weightMethod}) : val loss ${r.before.ptq.valLoss.toFixed(4)}  ${r.metricName} ${m(r.before.ptq.valMetric)}\n`);
        io.stdout(`  after ${r.after.steps} QAT steps       : val loss ${r.after.finalValLoss.toFixed(4)}  ${r.metricName} ${m(r.after.finalValMetric)}  (${r.after.seconds.toFixed(1)} s)\n`);
        io.stdout(`  checkpoint: ${r.after.checkpoint ?? '(none)'}\n`);
      }
      return 0;
    } finally {
      // Still open here only when the run threw: a cancel (the bar sees the signal) or a failure.
      closeBar(io.signal.aborted ? undefined : 'failed');
    }
  },
};
