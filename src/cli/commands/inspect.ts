import { analyzeCheckpoint } from '../../core/analysis/analyze.js';
import { BitnetLabError } from '../../core/errors.js';
import { parseCommandArgs, intOption } from '../args.js';
import type { CliCommand } from '../command.js';
import { warnUnmatchedPatterns, withCheckpoint, withProgressBar } from '../commandSteps.js';
import { writeReport } from '../format/report.js';
import { writeReportJson } from '../format/reportJson.js';
import { QUANT_SELECTION_OPTIONS, quantSelection } from '../quantOptions.js';

/** More bins than this says nothing a 4096-bin histogram does not, and costs memory per tensor. */
const MAX_BINS = 4096;

export const inspect: CliCommand = {
  name: 'inspect',
  summary: 'what BitNet quantization does to every tensor of a checkpoint (safetensors, sharded, GGUF, HF BitNet, tfjs)',
  usage: `usage: bitnet-lab inspect <checkpoint> [options]

  <checkpoint>          a .safetensors file, a model.safetensors.index.json, a .gguf,
                        a tfjs model.json, or a folder holding one of them

options:
  --method M            absmean (BitNet b1.58, default) | median | sign (1-bit BitNet)
  --include PATTERN     also quantize tensors matching (repeatable, comma-separated)
  --exclude PATTERN     keep tensors matching in high precision (repeatable)
                        PATTERN: a module name as in HF modules_to_not_convert
                        (down_proj, mlp.down_proj, model.layers.0), a glob on the
                        tensor name (*q_proj*) or /regex/; one matching nothing is warned about
  --bins N              histogram bins (default 64, at most 4096)
  --json                print the report as one JSON object (the schema the extension uses)
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('inspect', argv, {
      ...QUANT_SELECTION_OPTIONS,
      bins: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new BitnetLabError('usage', 'inspect: give exactly one checkpoint path (see bitnet-lab inspect --help)');
    const selection = quantSelection('inspect', values);
    const bins = intOption('inspect', 'bins', values.bins, 64, 1, MAX_BINS);
    const report = await withCheckpoint(positionals[0]!, (source) => {
      warnUnmatchedPatterns(io, source.tensors.map((t) => t.name), selection);
      return withProgressBar(io, 'analysing', (onProgress) => analyzeCheckpoint(source, { ...selection, bins, signal: io.signal, onProgress }));
    });
    if (values.json) writeReportJson(report, io.stdout);
    else writeReport(report, io.stdout);
    return 0;
  },
};
