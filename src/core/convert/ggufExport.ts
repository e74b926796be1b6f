/**
 * The GGUF side of an export, decided before any tensor is written: the
 * metadata (architecture, hyper-parameters, tokenizer, provenance), the GGUF
 * name of every tensor, the tensors the architecture does not load, and which
 * runtimes will load the file — so the summary can say it.
 */
import { basename, extname } from 'node:path';
import type { CheckpointSource } from '../formats/types.js';
import type { GgufKv } from '../formats/gguf/ggufWriter.js';
import { llamaCppName } from '../formats/gguf/llamaNames.js';
import { ggufModelLayout, type GgufExtraTensor, type GgufModelLayout } from './ggufArch.js';
import type { GgufTensorName } from './ggufOutput.js';
import type { PlannedTensor } from './outputWriter.js';

export interface GgufExportPlan {
  /** The planned tensors that are written, in order; `names[i]` is the GGUF name of `planned[i]`. */
  planned: PlannedTensor[];
  names: GgufTensorName[];
  /** Tensors written after the planned ones, computed rather than read (rope_freqs). */
  extraTensors: GgufExtraTensor[];
  dropped: Array<{ name: string; reason: string }>;
  kvs: GgufKv[];
  /** general.architecture as written. */
  architecture: string;
  /** Which runtimes load the file, in words. */
  runtimes: string;
  /** True when the file is a runnable model (architecture, hyper-parameters, every tensor named). */
  model: boolean;
}

export interface GgufExportInput {
  source: CheckpointSource;
  planned: readonly PlannedTensor[];
  config: Record<string, unknown> | undefined;
  configFile: string;
  ternaryType: 'TQ1_0' | 'TQ2_0' | 'I2_S' | 'F16';
  provenance: Record<string, string>;
}

function runtimesFor(layout: GgufModelLayout, type: GgufExportInput['ternaryType']): string {
  if (type !== 'I2_S') return layout.runtimes;
  // Type 36 is reserved upstream: only the fork that defines I2_S reads it.
  return 'bitnet.cpp only (I2_S is type 36 of Microsoft\'s llama.cpp fork; upstream llama.cpp refuses it) — not run here, we have no bitnet.cpp';
}

export function planGgufExport(input: GgufExportInput): GgufExportPlan {
  const { source, config } = input;
  const provenance: GgufKv[] = Object.entries(input.provenance).map(([key, value]) => ({ key, type: 'string' as const, value }));
  const name = typeof config?.['_name_or_path'] === 'string' ? (config['_name_or_path'] as string) : basename(source.path, extname(source.path));
  if (source.format === 'gguf') {
    // Already GGUF-named and laid out (Q/K permuted if llama): tensors keep their names.
    const architecture = source.metadata['general.architecture'] ?? 'bitnet';
    return {
      planned: [...input.planned],
      names: input.planned.map((p) => ({ name: p.entry.name })),
      extraTensors: [],
      dropped: [],
      kvs: [
        { key: 'general.architecture', type: 'string', value: architecture },
        { key: 'general.name', type: 'string', value: source.metadata['general.name'] ?? name },
        { key: 'general.alignment', type: 'u32', value: 32 },
        ...provenance,
      ],
      architecture,
      runtimes: `whatever loads the input's "${architecture}" architecture`,
      model: false,
    };
  }
  const layout = ggufModelLayout(config, source.tensors.map((t) => t.name), input.configFile);
  if ('container' in layout) {
    // 'bitnet' also tells our reader that type 36 is I2_S.
    return {
      planned: [...input.planned],
      names: input.planned.map((p) => ({ name: llamaCppName(p.entry.name) })),
      extraTensors: [],
      dropped: [],
      kvs: [
        { key: 'general.architecture', type: 'string', value: 'bitnet' },
        { key: 'general.name', type: 'string', value: name },
        { key: 'general.alignment', type: 'u32', value: 32 },
        ...provenance,
      ],
      architecture: 'bitnet',
      runtimes: `no runtime loads it as a model (${layout.container}): a tensor container that bitnet-lab inspect / diff read`,
      model: false,
    };
  }
  const planned: PlannedTensor[] = [];
  const names: GgufTensorName[] = [];
  const dropped: Array<{ name: string; reason: string }> = [];
  for (const p of input.planned) {
    const target = layout.target(p.entry.name);
    if ('drop' in target) {
      dropped.push({ name: p.entry.name, reason: target.drop });
      continue;
    }
    planned.push(p);
    names.push(target);
  }
  return {
    planned,
    names,
    extraTensors: layout.extraTensors,
    dropped,
    kvs: [
      { key: 'general.architecture', type: 'string', value: layout.arch },
      { key: 'general.name', type: 'string', value: name },
      { key: 'general.alignment', type: 'u32', value: 32 },
      ...layout.hparams,
      ...provenance,
    ],
    architecture: layout.arch,
    runtimes: runtimesFor(layout, input.ternaryType),
    model: true,
  };
}
