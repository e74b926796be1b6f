/**
 * Arithmetic-energy model of the linear layers (an estimate from published
 * per-operation energies, not a wattmeter reading).
 *
 * Per-operation energies: BitNet (arXiv 2310.11453) Table 2, which takes 45 nm
 * from Horowitz, "Computing's energy problem", ISSCC 2014 [Hor14] and 7 nm from
 * Zhang, Zhang & Lew, "PokeBNN", CVPR 2022 [ZZL22] (bitnet-reference.md §3).
 *
 * Accounting, per token, for a linear layer y = x·Wᵀ with W [out, in] (BitNet
 * §2.3 Eqs. 16–18 with m = 1 token, n = in, p = out):
 *   FP32, FP16, INT8 (W8A8): adds = (in − 1)·out, muls = in·out, at that
 *     format's add and multiply energy. INT8 charges every accumulation at the
 *     INT8 add energy, as the BitNet paper does; a real int32 accumulator costs
 *     more (45 nm: 0.1 pJ per int32 add, [Hor14]).
 *   Ternary (b1.58): no weight multiplies. Each nonzero weight costs one int8
 *     addition or subtraction, zero weights cost nothing, so with the layer's
 *     measured zero fraction z: adds = max(0, (1 − z)·in·out − out) (k terms
 *     need k − 1 additions, as in the FP count), charged at the INT8 add energy
 *     (same accumulation-width caveat). Scaling multiplies: activation
 *     quantization (in per token) and the output rescale (out per token), Eq. 18,
 *     charged at the FP16 multiply energy and listed separately.
 * The paper's headline (b1.58 §3, Fig. 3) compares one FP16 multiply-accumulate
 * with one INT8 add: (Ê_add,FP16 + Ê_mul,FP16) / Ê_add,INT8 = (0.16 + 0.34) / 0.007
 * = 71.43× at 7 nm; it ignores zeros and the scaling multiplies.
 */

export type ProcessNode = '45nm' | '7nm';
export const PROCESS_NODES: readonly ProcessNode[] = ['7nm', '45nm'];

export type EnergyFormat = 'fp32' | 'fp16' | 'int8' | 'ternary';
export const ENERGY_FORMATS: readonly EnergyFormat[] = ['fp32', 'fp16', 'int8', 'ternary'];

export interface OpEnergy {
  /** picojoules per addition */
  add: number;
  /** picojoules per multiplication */
  mul: number;
}

export interface EnergyTable {
  node: ProcessNode;
  source: string;
  fp32: OpEnergy;
  fp16: OpEnergy;
  int8: OpEnergy;
}

/** BitNet (2310.11453) Table 2, exactly as printed (pJ). */
export const ENERGY_TABLES: Readonly<Record<ProcessNode, EnergyTable>> = {
  '45nm': {
    node: '45nm',
    source: '[Hor14] Horowitz, "Computing\'s energy problem", ISSCC 2014, 45 nm at 0.9 V — via BitNet (arXiv 2310.11453) Table 2',
    fp32: { add: 0.9, mul: 3.7 },
    fp16: { add: 0.4, mul: 1.1 },
    int8: { add: 0.03, mul: 0.2 },
  },
  '7nm': {
    node: '7nm',
    source: '[ZZL22] Zhang, Zhang & Lew, "PokeBNN", CVPR 2022, 7 nm — via BitNet (arXiv 2310.11453) Table 2',
    fp32: { add: 0.38, mul: 1.31 },
    fp16: { add: 0.16, mul: 0.34 },
    int8: { add: 0.007, mul: 0.07 },
  },
};

export interface EnergyLayer {
  name: string;
  out: number;
  in: number;
  /** Measured share of zero ternary weights (0 for a layer without measurement). */
  zeroFraction: number;
}

export interface FormatEnergy {
  format: EnergyFormat;
  addsPerToken: number;
  mulsPerToken: number;
  /** pJ per token spent in additions / multiplications. */
  addPj: number;
  mulPj: number;
  /** addPj + mulPj. */
  pjPerToken: number;
  /** pjPerToken · tokens, in joules. */
  joules: number;
  /** FP16 energy divided by this format's (higher = cheaper than FP16). */
  savingVsFp16: number;
}

export interface LayerEnergy extends EnergyLayer {
  /** pJ per token, per format. */
  pjPerToken: Record<EnergyFormat, number>;
}

export interface EnergyReport {
  node: ProcessNode;
  table: EnergyTable;
  tokens: number;
  formulas: Record<EnergyFormat | 'headline', string>;
  layers: LayerEnergy[];
  totals: FormatEnergy[];
  /** Ternary matmul additions only (the part the paper's headline compares). */
  ternaryAddsOnlyPj: number;
  headline: { node: ProcessNode; ratio: number; formula: string };
  notes: string[];
}

export const ENERGY_FORMULAS: Record<EnergyFormat | 'headline', string> = {
  fp32: 'E = (in − 1)·out·Ê_add(FP32) + in·out·Ê_mul(FP32)   per token, summed over layers',
  fp16: 'E = (in − 1)·out·Ê_add(FP16) + in·out·Ê_mul(FP16)',
  int8: 'E = (in − 1)·out·Ê_add(INT8) + in·out·Ê_mul(INT8)   (accumulation charged at the INT8 add, as in BitNet Eq. 17)',
  ternary: 'E = max(0, (1 − z)·in·out − out)·Ê_add(INT8) + (in + out)·Ê_mul(FP16)   (z = measured zero share; zeros skip their additions; scaling multiplies per BitNet Eq. 18)',
  headline: '(Ê_add(FP16) + Ê_mul(FP16)) / Ê_add(INT8): one FP16 multiply-accumulate vs one INT8 addition',
};

/** The b1.58 paper's headline ratio for a node: 71.43 at 7 nm, 50 at 45 nm. */
export function headlineRatio(node: ProcessNode): number {
  const t = ENERGY_TABLES[node];
  return (t.fp16.add + t.fp16.mul) / t.int8.add;
}

interface Counts {
  adds: number;
  muls: number;
}

function countsFor(format: EnergyFormat, l: EnergyLayer): Counts {
  if (format === 'ternary') {
    const z = Math.min(1, Math.max(0, l.zeroFraction));
    return { adds: Math.max(0, (1 - z) * l.in * l.out - l.out), muls: l.in + l.out };
  }
  return { adds: (l.in - 1) * l.out, muls: l.in * l.out };
}

function energyOf(format: EnergyFormat, t: EnergyTable, l: EnergyLayer): { addPj: number; mulPj: number } {
  const c = countsFor(format, l);
  if (format === 'ternary') return { addPj: c.adds * t.int8.add, mulPj: c.muls * t.fp16.mul };
  const e = t[format];
  return { addPj: c.adds * e.add, mulPj: c.muls * e.mul };
}

export interface EnergyOptions {
  node?: ProcessNode;
  tokens?: number;
}

export function estimateEnergy(layers: readonly EnergyLayer[], options: EnergyOptions = {}): EnergyReport {
  const node = options.node ?? '7nm';
  const tokens = options.tokens ?? 1;
  const table = ENERGY_TABLES[node];
  const layerOut: LayerEnergy[] = layers.map((l) => {
    const pj = {} as Record<EnergyFormat, number>;
    for (const f of ENERGY_FORMATS) {
      const e = energyOf(f, table, l);
      pj[f] = e.addPj + e.mulPj;
    }
    return { ...l, pjPerToken: pj };
  });
  const totals: FormatEnergy[] = ENERGY_FORMATS.map((format) => {
    let adds = 0;
    let muls = 0;
    let addPj = 0;
    let mulPj = 0;
    for (const l of layers) {
      const c = countsFor(format, l);
      const e = energyOf(format, table, l);
      adds += c.adds;
      muls += c.muls;
      addPj += e.addPj;
      mulPj += e.mulPj;
    }
    const pjPerToken = addPj + mulPj;
    return { format, addsPerToken: adds, mulsPerToken: muls, addPj, mulPj, pjPerToken, joules: pjPerToken * tokens * 1e-12, savingVsFp16: 0 };
  });
  const fp16 = totals.find((t) => t.format === 'fp16')!.pjPerToken;
  for (const t of totals) t.savingVsFp16 = fp16 / t.pjPerToken;
  const ternary = totals.find((t) => t.format === 'ternary')!;
  return {
    node,
    table,
    tokens,
    formulas: { ...ENERGY_FORMULAS },
    layers: layerOut,
    totals,
    ternaryAddsOnlyPj: ternary.addPj,
    headline: { node, ratio: headlineRatio(node), formula: ENERGY_FORMULAS.headline },
    notes: [
      'arithmetic energy of the linear layers only, from published per-operation energies: no memory traffic, no attention scores, no embeddings or head — an estimate, not a measurement',
      'INT8 and ternary accumulations are charged at the INT8 add energy as in the BitNet paper; int32 accumulators would cost more',
    ],
  };
}
