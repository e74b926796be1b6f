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
import { ggufModelLayout, RUNTIMES, type GgufExtraTensor } from './ggufArch.js';
import { exportTokenizer } from './ggufTokenizer.js';
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
  /** The tokenizer written (kind, size, where from), or why there is none. */
  tokenizer?: string;
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

/** Entries of a GGUF input that describe the old file's encoding, not the model: the output writes its own. */
const REWRITTEN_KEYS = new Set(['general.file_type', 'general.quantization_version']);

function runtimesFor(arch: string, type: GgufExportInput['ternaryType']): string {
  if (type !== 'I2_S') return (RUNTIMES as Record<string, string>)[arch] ?? `whatever loads the "${arch}" architecture`;
  // Type 36 is reserved upstream: only the fork that defines I2_S reads it.
  return 'bitnet.cpp only (I2_S is type 36 of Microsoft\'s llama.cpp fork; upstream llama.cpp refuses it) — not run here, we have no bitnet.cpp';
}

export async function planGgufExport(input: GgufExportInput): Promise<GgufExportPlan> {
  const { source, config } = input;
  const provenance: GgufKv[] = Object.entries(input.provenance).map(([key, value]) => ({ key, type: 'string' as const, value }));
  const name = typeof config?.['_name_or_path'] === 'string' ? (config['_name_or_path'] as string) : basename(source.path, extname(source.path));
  if (source.format === 'gguf') {
    // Already GGUF-named and laid out (Q/K permuted if llama): tensors keep
    // their names and every metadata entry is kept with its type — the
    // hyper-parameters, tokenizer and anything else the runtime reads — but
    // the file type and quantization version, which the output states anew,
    // and our provenance of an earlier export, which this one replaces.
    const architecture = source.metadata['general.architecture'] ?? 'bitnet';
    const kept = (source.ggufEntries ?? []).filter((e) => !REWRITTEN_KEYS.has(e.key) && !(e.key in input.provenance));
    // 'bitnet' tells our reader that type 36 is I2_S.
    if (!kept.some((e) => e.key === 'general.architecture')) kept.unshift({ key: 'general.architecture', type: 'string', value: architecture });
    const hasTokenizer = kept.some((e) => e.key === 'tokenizer.ggml.model');
    return {
      planned: [...input.planned],
      names: input.planned.map((p) => ({ name: p.entry.name })),
      extraTensors: [],
      dropped: [],
      kvs: [...kept, ...provenance],
      architecture,
      runtimes: hasTokenizer ? runtimesFor(architecture, input.ternaryType) : `none as a model: the input has no tokenizer.ggml.* (a tensor container that bitnet-lab inspect / diff read)`,
      ...(hasTokenizer ? { tokenizer: 'the input\'s tokenizer.ggml.* entries, kept' } : {}),
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
  const tokenizer = await exportTokenizer(source.path);
  const runtimes = runtimesFor(layout.arch, input.ternaryType);
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
      ...('entries' in tokenizer ? tokenizer.entries : []),
      ...provenance,
    ],
    architecture: layout.arch,
    // llama.cpp refuses a model without a vocabulary ("key not found in model: tokenizer.ggml.model").
    runtimes: 'entries' in tokenizer ? runtimes : `none until it has a tokenizer (${tokenizer.missing}); with one: ${runtimes}`,
    tokenizer: 'entries' in tokenizer ? tokenizer.description : `none: ${tokenizer.missing}`,
    model: true,
  };
}
