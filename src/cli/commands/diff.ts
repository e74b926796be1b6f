import { diffCheckpoints, type CheckpointDiff } from '../../core/analysis/diff.js';
import { BitnetLabError } from '../../core/errors.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { warnUnmatchedPatterns, withCheckpoint, withProgressBar } from '../commandSteps.js';
import { renderTable } from '../format/table.js';
import { QUANT_SELECTION_OPTIONS, quantSelection } from '../quantOptions.js';

export const diff: CliCommand = {
  name: 'diff',
  summary: 'compare two checkpoints: ternary flip rate, change in γ and sparsity, per tensor and per layer',
  usage: `usage: bitnet-lab diff <a> <b> [options]

  For every quantizable tensor present in both with the same shape (HF and
  llama.cpp names are matched to each other): the share of ternary codes that
  differ, γ before/after and the change in the share of zeros. Stored ternary
  tensors (HF packed, TQ1_0, TQ2_0, I2_S) use their stored codes; others are
  quantized with --method.

options:
  --method M            absmean (default) | median | sign
  --include PATTERN     also compare tensors matching (repeatable)
  --exclude PATTERN     skip tensors matching (repeatable)
                        PATTERN: a module name as in HF modules_to_not_convert
                        (down_proj, mlp.down_proj, model.layers.0), a glob on the
                        tensor name (*q_proj*) or /regex/; one matching nothing is warned about
  --json                print the full comparison as JSON
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('diff', argv, {
      ...QUANT_SELECTION_OPTIONS,
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 2) throw new BitnetLabError('usage', 'diff: give two checkpoints (see bitnet-lab diff --help)');
    const selection = quantSelection('diff', values);
    const result = await withCheckpoint(positionals[0]!, (a) =>
      withCheckpoint(positionals[1]!, (b) => {
        warnUnmatchedPatterns(io, [...a.tensors, ...b.tensors].map((t) => t.name), selection);
        return withProgressBar(io, 'comparing', (onProgress) => diffCheckpoints(a, b, { ...selection, signal: io.signal, onProgress }));
      }),
    );
    io.stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : renderDiff(result));
    // Every pair failed to read: the figures above are empty, which is a failure, not a 0 % diff.
    return result.tensors.length === 0 && result.errors.length > 0 ? 1 : 0;
  },
};

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

export function renderDiff(d: CheckpointDiff): string {
  const table = renderTable(d.tensors, [
    { title: 'tensor', maxWidth: 56, value: (t) => t.name },
    { title: 'params', align: 'right', value: (t) => String(t.params) },
    { title: 'flips', align: 'right', value: (t) => pct(t.flipRate) },
    { title: 'γ a', align: 'right', value: (t) => t.gammaA.toPrecision(4) },
    { title: 'γ b', align: 'right', value: (t) => t.gammaB.toPrecision(4) },
    { title: 'Δγ', align: 'right', value: (t) => `${(100 * t.relDeltaGamma).toFixed(2)} %` },
    { title: 'zeros a→b', align: 'right', value: (t) => `${pct(t.sparsityA)} → ${pct(t.sparsityB)}` },
  ]);
  const lines = [
    `a: ${d.fileA} (${d.formatA})`,
    `b: ${d.fileB} (${d.formatB})`,
    `${d.totals.tensors} tensors compared, ${d.totals.params} weights: ${pct(d.totals.flipRate)} of ternary codes differ (method ${d.method} where not stored ternary)`,
    '',
    table.trimEnd(),
  ];
  if (d.perLayer.length > 0) {
    lines.push('', renderTable(d.perLayer, [
      { title: 'layer', align: 'right', value: (l) => String(l.layer) },
      { title: 'flips', align: 'right', value: (l) => pct(l.flipRate) },
      { title: 'mean Δγ', align: 'right', value: (l) => `${(100 * l.meanRelDeltaGamma).toFixed(2)} %` },
      { title: 'Δzeros', align: 'right', value: (l) => pct(l.deltaSparsity) },
    ]).trimEnd());
  }
  if (d.onlyInA.length + d.onlyInB.length > 0) lines.push('', `only in a: ${d.onlyInA.length} tensors, only in b: ${d.onlyInB.length}`);
  for (const m of d.shapeMismatch) lines.push(`shape differs: ${m.name} [${m.shapeA.join(', ')}] vs [${m.shapeB.join(', ')}]`);
  for (const e of d.errors) lines.push(`error: ${e.name}: ${e.error}`);
  return `${lines.join('\n')}\n`;
}
