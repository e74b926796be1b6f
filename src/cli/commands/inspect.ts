import { analyzeCheckpoint } from '../../core/analysis/analyze.js';
import { BitnetLabError } from '../../core/errors.js';
import { openCheckpoint } from '../../core/formats/open.js';
import { isQuantMethod, QUANT_METHODS } from '../../core/quant/types.js';
import { listOption, parseCommandArgs, intOption } from '../args.js';
import type { CliCommand } from '../command.js';
import { renderReport } from '../format/report.js';
import { createProgressBar } from '../progressBar.js';

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
  --bins N              histogram bins (default 64)
  --json                print the report as one JSON object (the schema the extension uses)
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('inspect', argv, {
      method: { type: 'string', default: 'absmean' },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      bins: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new BitnetLabError('usage', 'inspect: give exactly one checkpoint path (see bitnet-lab inspect --help)');
    const method = String(values.method);
    if (!isQuantMethod(method)) throw new BitnetLabError('usage', `inspect: unknown --method "${method}" (choose ${QUANT_METHODS.join(', ')})`);

    const source = await openCheckpoint(positionals[0]!);
    const bar = createProgressBar(io, 'analysing');
    try {
      const report = await analyzeCheckpoint(source, {
        method,
        include: listOption(values.include),
        exclude: listOption(values.exclude),
        bins: intOption('inspect', 'bins', values.bins, 64, 1),
        signal: io.signal,
        onProgress: bar.update,
      });
      bar.done();
      io.stdout(values.json ? `${JSON.stringify(report)}\n` : renderReport(report));
      return 0;
    } finally {
      bar.done();
      await source.close();
    }
  },
};
