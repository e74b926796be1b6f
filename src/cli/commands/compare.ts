import { compareCheckpoint, type ComparisonReport, type ShapeSpeed } from '../../core/analysis/compare.js';
import { PROCESS_NODES, type ProcessNode } from '../../core/analysis/energy.js';
import type { LayerQuality } from '../../core/analysis/compareQuality.js';
import { parseBackendPreference } from '../../core/backend.js';
import { BitnetLabError } from '../../core/errors.js';
import { formatBytes } from '../../core/format.js';
import { intOption, listOption, parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { warnUnmatchedPatterns, withCheckpoint, withProgressBar } from '../commandSteps.js';
import { formatNumber, renderTable } from '../format/table.js';
import { renderEnergy } from './energyRender.js';
import { renderModelQuality } from './modelQualityRender.js';

export const compare: CliCommand = {
  name: 'compare',
  summary: 'memory, speed, quality and energy of a checkpoint\'s linear layers: full precision vs BitNet b1.58 ternary, measured here',
  usage: `usage: bitnet-lab compare <checkpoint> [options]

  memory   bytes per storage format (memory model) and the weight working set
  speed    float32 tfjs matMul vs the ternary wasm kernel on this model's linear
           shapes, batch 1 (GEMV) and batch N (GEMM), medians, backend and CPU named
  quality  for bitnet-lab training runs: FP vs post-training ternary vs QAT
           ternary accuracy / perplexity on the held-out data; for any
           checkpoint: per-layer output error of ternary vs FP linear layers
           on random inputs
  energy   the published per-operation energy model with measured sparsity

options:
  --batch N             tokens for the GEMM timing (default 8)
  --repeats N           timed runs per shape (default 9)
  --max-shapes N        distinct shapes timed (default 6, largest first)
  --max-layers N        layers whose output error is measured (default 12)
  --budget SECONDS      time budget for timing + quality (default 120)
  --node N              energy table: 7nm (default) | 45nm
  --tokens N            tokens for the energy total (default 1000)
  --backend B           auto | tensorflow | wasm | cpu (default auto)
  --include/--exclude   tensor patterns, as for inspect
  --json                print the ComparisonReport as JSON
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('compare', argv, {
      batch: { type: 'string' },
      repeats: { type: 'string' },
      'max-shapes': { type: 'string' },
      'max-layers': { type: 'string' },
      budget: { type: 'string' },
      node: { type: 'string', default: '7nm' },
      tokens: { type: 'string' },
      backend: { type: 'string' },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new BitnetLabError('usage', 'compare: give exactly one checkpoint path (see bitnet-lab compare --help)');
    const node = String(values.node) as ProcessNode;
    if (!PROCESS_NODES.includes(node)) throw new BitnetLabError('usage', `compare: unknown --node "${node}" (choose ${PROCESS_NODES.join(', ')})`);
    let backend;
    try {
      backend = parseBackendPreference(values.backend as string | undefined);
    } catch (e) {
      throw new BitnetLabError('usage', `compare: ${(e as Error).message}`);
    }
    const options = {
      batch: intOption('compare', 'batch', values.batch, 8, 1),
      repeats: intOption('compare', 'repeats', values.repeats, 9, 1),
      maxShapes: intOption('compare', 'max-shapes', values['max-shapes'], 6, 0),
      maxQualityLayers: intOption('compare', 'max-layers', values['max-layers'], 12, 0),
      timeBudgetMs: intOption('compare', 'budget', values.budget, 120, 1) * 1000,
      energyTokens: intOption('compare', 'tokens', values.tokens, 1000, 1),
      node,
      backend,
      include: listOption(values.include),
      exclude: listOption(values.exclude),
    };
    if (options.batch > 4096) throw new BitnetLabError('usage', 'compare: --batch must be at most 4096');
    const report = await withCheckpoint(positionals[0]!, (source) => {
      warnUnmatchedPatterns(io, source.tensors.map((t) => t.name), options);
      return withProgressBar(io, 'comparing', (onProgress) => compareCheckpoint(source, { ...options, signal: io.signal, onProgress }));
    });
    io.stdout(values.json ? `${JSON.stringify(report)}\n` : renderComparison(report));
    return 0;
  },
};

const ms = (v: number) => v.toFixed(3);
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');

export function renderComparison(r: ComparisonReport): string {
  const m = r.memory.byFormat;
  const memory = renderTable(
    [
      ['as stored', m.asStored], ['F32', m.f32], ['F16 / BF16', m.f16], ['INT8', m.int8],
      ['HF BitNet packed', m.hfBitnet], ['GGUF TQ2_0', m.tq2_0], ['GGUF TQ1_0', m.tq1_0], ['bitnet.cpp I2_S', m.i2_s], ['ideal log2(3) bits', m.ideal],
    ] as Array<[string, number]>,
    [
      { title: 'format (whole checkpoint)', value: (row) => row[0] },
      { title: 'bytes', align: 'right', value: (row) => formatBytes(row[1]) },
      { title: 'F32 / this', align: 'right', value: (row) => x(m.f32 / row[1]) },
    ],
  );
  const speed = renderTable(r.speed.shapes, [
    { title: 'out×in', value: (s: ShapeSpeed) => `${s.out}×${s.in}` },
    { title: 'layers', align: 'right', value: (s) => String(s.layers) },
    { title: 'GEMV float ms', align: 'right', value: (s) => ms(s.gemv.floatMs) },
    { title: 'ternary ms', align: 'right', value: (s) => ms(s.gemv.ternaryMs) },
    { title: 'speedup', align: 'right', value: (s) => x(s.gemv.speedup) },
    { title: `batch ${r.speed.batch} float ms`, align: 'right', value: (s) => ms(s.gemm.floatMs) },
    { title: 'ternary ms', align: 'right', value: (s) => ms(s.gemm.ternaryMs) },
    { title: 'speedup', align: 'right', value: (s) => x(s.gemm.speedup) },
  ]);
  const quality = renderTable(r.quality.layers, [
    { title: 'layer', value: (l: LayerQuality) => l.name, maxWidth: 48 },
    { title: 'out×in', value: (l) => `${l.out}×${l.in}` },
    { title: 'γ', align: 'right', value: (l) => formatNumber(l.gamma) },
    { title: 'zeros', align: 'right', value: (l) => `${(100 * l.zeroFraction).toFixed(1)}%` },
    { title: 'rel. error', align: 'right', value: (l) => formatNumber(l.relError, 3) },
    { title: 'cosine', align: 'right', value: (l) => l.cosine.toFixed(4) },
  ]);
  const fp = r.speed.forwardPass;
  const ws = r.memory.workingSet;
  return [
    `${r.file} (${r.format}): ${r.linearLayers} linear layers, ${formatNumber(r.linearParams, 4)} weights`,
    '',
    '── memory ──',
    memory.trimEnd(),
    `linear-layer weight bytes: FP32 ${formatBytes(ws.fp32Bytes)} vs packed ternary ${formatBytes(ws.ternaryPackedBytes)} (${x(ws.fp32Bytes / ws.ternaryPackedBytes)}) — ${ws.note}`,
    r.memory.resident
      ? `measured resident memory of one forward pass: FP32 (tfjs-${r.memory.resident.fp32Backend}) ${formatBytes(r.memory.resident.fp32Bytes)} vs packed ternary ${formatBytes(r.memory.resident.ternaryBytes)} (${x(r.memory.resident.fp32Bytes / r.memory.resident.ternaryBytes)}) — ${r.memory.resident.note}`
      : `resident memory not measured: ${r.memory.residentUnavailable ?? 'unknown reason'}`,
    '',
    `── speed ── float32 tfjs-${r.speed.backend} matMul vs ${r.speed.kernel} ternary kernel, 1 thread, medians of ${r.speed.repeats}`,
    r.speed.shapes.length ? speed.trimEnd() : '(no shapes timed)',
    fp ? `one pass over the ${fp.coveredLayers} layers of these shapes: batch 1 ${ms(fp.gemv.floatMs)} ms → ${ms(fp.gemv.ternaryMs)} ms (${x(fp.gemv.speedup)}), batch ${r.speed.batch} ${ms(fp.gemm.floatMs)} ms → ${ms(fp.gemm.ternaryMs)} ms (${x(fp.gemm.speedup)})` : '',
    ...r.speed.skippedShapes.map((s) => `not timed: ${s.out}×${s.in} (${s.layers} layers): ${s.reason}`),
    '',
    '── quality ──',
    renderModelQuality(r).trimEnd(),
    `per layer: ${r.quality.inputs}, ${r.quality.tokens} tokens per layer`,
    r.quality.layers.length ? quality.trimEnd() : '(no layers measured)',
    `mean relative error ${formatNumber(r.quality.meanRelError, 3)}, lowest cosine ${Number.isFinite(r.quality.minCosine) ? r.quality.minCosine.toFixed(4) : '–'}${r.quality.skippedLayers ? `; ${r.quality.skippedLayers} layers not measured (--max-layers)` : ''}`,
    ...r.quality.notes.map((n) => `note: ${n}`),
    '',
    '── energy ──',
    renderEnergy(r.energy).trimEnd(),
    '',
    `provenance: ${r.provenance.tool}, ${r.provenance.machine}, backend ${r.provenance.backend}, ${r.provenance.seconds.toFixed(1)} s, ${r.provenance.createdAt}`,
    ...r.notes.map((n) => `note: ${n}`),
  ].join('\n') + '\n';
}
