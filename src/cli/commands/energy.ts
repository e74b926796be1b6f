import { energyOfCheckpoint } from '../../core/analysis/energyCheckpoint.js';
import { PROCESS_NODES, type ProcessNode } from '../../core/analysis/energy.js';
import { BitnetLabError } from '../../core/errors.js';
import { intOption, listOption, parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { warnUnmatchedPatterns, withCheckpoint, withProgressBar } from '../commandSteps.js';
import { renderEnergy } from './energyRender.js';

export const energy: CliCommand = {
  name: 'energy',
  summary: 'arithmetic energy of the linear layers: FP32, FP16, INT8 vs ternary (published per-op energies, measured sparsity)',
  usage: `usage: bitnet-lab energy <checkpoint> [options]

  Applies the per-operation energy model of the BitNet paper (45 nm: Horowitz
  ISSCC 2014; 7 nm: PokeBNN CVPR 2022) to this checkpoint's linear-layer shapes
  and their measured share of zero ternary weights (zeros skip their additions).
  An arithmetic-energy estimate, not a wattmeter.

options:
  --node N              7nm (default) | 45nm
  --tokens N            tokens for the total (default 1000)
  --include PATTERN     also treat matching tensors as linear weights (repeatable)
  --exclude PATTERN     leave matching tensors out (repeatable)
  --json                print the energy report as JSON
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('energy', argv, {
      node: { type: 'string', default: '7nm' },
      tokens: { type: 'string' },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new BitnetLabError('usage', 'energy: give exactly one checkpoint path (see bitnet-lab energy --help)');
    const node = String(values.node) as ProcessNode;
    if (!PROCESS_NODES.includes(node)) throw new BitnetLabError('usage', `energy: unknown --node "${node}" (choose ${PROCESS_NODES.join(', ')})`);
    const tokens = intOption('energy', 'tokens', values.tokens, 1000, 1);
    const include = listOption(values.include);
    const exclude = listOption(values.exclude);
    const report = await withCheckpoint(positionals[0]!, (source) => {
      warnUnmatchedPatterns(io, source.tensors.map((t) => t.name), { include, exclude });
      return withProgressBar(io, 'reading weights', (onProgress) => energyOfCheckpoint(source, { node, tokens, include, exclude, signal: io.signal, onProgress }));
    });
    io.stdout(values.json ? `${JSON.stringify(report)}\n` : `${report.file} (${report.format}), ${report.layers.length} linear layers\n\n${renderEnergy(report)}`);
    return 0;
  },
};
