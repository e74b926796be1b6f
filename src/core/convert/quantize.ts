/**
 * `quantizeCheckpoint`: any CheckpointSource → a ternary checkpoint other
 * tools load (HF BitNet packed safetensors, GGUF TQ1_0 / TQ2_0 / I2_S) or a
 * fake-quantized safetensors. Streams tensor by tensor: each BitLinear weight
 * is read whole (γ is a per-tensor statistic), quantized by the same rules
 * the analysis uses (src/core/quant), encoded and written; every other tensor
 * is copied in bounded chunks. Large BF16/F16 weights take the analysis's
 * histogram route (ternarize16.ts: raw patterns, no float decoding); the rest
 * are decoded to float32 (ternarize.ts). Outputs are atomic — an
 * error or a cancel leaves no model file behind.
 */
import { mkdir, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { BitnetLabError, throwIfAborted } from '../errors.js';
import type { CheckpointSource } from '../formats/types.js';
import { writeFileAtomic } from '../formats/atomicWrite.js';
import { TensorSelector, declaredFullPrecision } from '../quant/selection.js';
import type { QuantMethod, TernaryTensor } from '../quant/types.js';
import { bitnetConfig, configDtype, HF_SCALE_NOTE } from './hfConfig.js';
import { readConfigJson } from '../formats/hfBitnet/hfConfig.js';
import { openGgufOutput } from './ggufOutput.js';
import type { OutputWriter, PlannedTensor } from './outputWriter.js';
import { MAX_TENSOR_ELEMENTS, readTensorHalves, readTensorValues } from './readTensor.js';
import { AbsSum, ternarize } from './ternarize.js';
import { histogramRouteOf, patternScale, ternarizeHalves } from './ternarize16.js';
import { Half16Histogram } from '../quant/histogram16.js';
import { openSafetensorsOutput, weightScaleName } from './safetensorsOutput.js';
import type { QuantizeOptions, QuantizeSummary } from './types.js';

export * from './types.js';

const TOOL = 'bitnet-lab 0.1.0';
/** Tensors with no numeric values (tfjs graph constants): not model weights, left out of outputs. */
const NON_NUMERIC = new Set(['STRING', 'C64']);

function planTensors(source: CheckpointSource, options: QuantizeOptions): PlannedTensor[] {
  const selector = new TensorSelector({ include: options.include ?? [], exclude: options.exclude ?? [], fullPrecision: declaredFullPrecision(source.metadata) });
  const planned = source.tensors.filter((entry) => !NON_NUMERIC.has(entry.dtype)).map((entry) => {
    const d = selector.decide(entry);
    return { entry, quantize: d.quantized, reason: d.reason };
  });
  if (source.format !== 'hf-bitnet') return planned;
  // A packed input's scales belong to the weights they scale: re-quantized
  // weights get fresh ones, so the old ones must not be copied alongside.
  const requantized = new Set(planned.filter((p) => p.quantize && p.entry.ternary).map((p) => weightScaleName(p.entry.name)));
  return planned.filter((p) => !requantized.has(p.entry.name));
}

/** Folder the input lives in (for config.json); a sharded index lives beside its shards. */
function inputFolder(source: CheckpointSource): string {
  return dirname(resolve(source.path));
}

interface OutputPaths {
  model: string;
  config?: string;
  createdDir?: string;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function resolveOutputs(source: CheckpointSource, options: QuantizeOptions, hasConfig: boolean): Promise<OutputPaths> {
  const out = resolve(options.out);
  const inputs = new Set([resolve(source.path), ...source.tensors.map((t) => resolve(t.file))]);
  if (inputs.has(out)) throw new BitnetLabError('usage', 'the output would overwrite the input', { file: out });
  if (options.format !== 'hf-bitnet') return { model: out };
  const isFile = extname(out) === '.safetensors';
  const dir = isFile ? dirname(out) : out;
  const model = isFile ? out : join(out, 'model.safetensors');
  if (inputs.has(model)) throw new BitnetLabError('usage', 'the output would overwrite the input', { file: model });
  const paths: OutputPaths = { model };
  if (hasConfig) {
    if (dir === inputFolder(source)) {
      throw new BitnetLabError('usage', 'writing config.json into the input folder would overwrite the input config; choose another output folder', { file: dir });
    }
    paths.config = join(dir, 'config.json');
  }
  if (!(await exists(dir))) {
    await mkdir(dir, { recursive: true });
    paths.createdDir = dir;
  }
  return paths;
}

export async function quantizeCheckpoint(source: CheckpointSource, options: QuantizeOptions): Promise<QuantizeSummary> {
  const started = performance.now();
  const method: QuantMethod = options.method ?? 'absmean';
  const { signal, onProgress } = options;
  throwIfAborted(signal, { file: options.out });
  const planned = planTensors(source, options);
  const inputConfig = await readConfigJson(join(inputFolder(source), 'config.json'));
  const wantsConfig = options.format === 'hf-bitnet' && inputConfig !== undefined;
  const paths = await resolveOutputs(source, options, wantsConfig);

  const provenance: Record<string, string> = {
    'bitnet_lab.tool': TOOL,
    'bitnet_lab.quantization': method,
    'bitnet_lab.format': options.format,
    'bitnet_lab.source': basename(source.path),
  };
  let writer: OutputWriter;
  try {
    if (options.format === 'hf-bitnet' || options.format === 'fake-quant') {
      const meta: Record<string, string> = { format: 'pt', ...provenance };
      if (options.format === 'hf-bitnet') meta['bitnet_lab.weight_scale'] = HF_SCALE_NOTE;
      writer = await openSafetensorsOutput(source, planned, options.format, paths.model, meta, configDtype(inputConfig) ?? 'F32', signal);
    } else {
      const fmt = options.format === 'gguf-tq1_0' ? 'TQ1_0' : options.format === 'gguf-tq2_0' ? 'TQ2_0' : 'I2_S';
      const name = typeof inputConfig?.['_name_or_path'] === 'string' ? (inputConfig['_name_or_path'] as string) : basename(source.path, extname(source.path));
      writer = await openGgufOutput(source, planned, fmt, [
        // 'bitnet' is llama.cpp's architecture name for BitNet b1.58 models; our
        // reader also uses it to read type 36 as I2_S.
        { key: 'general.architecture', type: 'string', value: 'bitnet' },
        { key: 'general.name', type: 'string', value: name },
        { key: 'general.alignment', type: 'u32', value: 32 },
        ...Object.entries(provenance).map(([key, value]) => ({ key, type: 'string' as const, value })),
      ], paths.model, signal);
    }
  } catch (e) {
    if (paths.createdDir) await rmdir(paths.createdDir).catch(() => undefined);
    throw e;
  }

  const bytesIn = planned.reduce((s, p) => s + p.entry.bytes, 0);
  let done = 0;
  let quantizedTensors = 0;
  // The histogram route packs straight from the patterns when the writer can
  // and nobody asked to see the codes: no code array, one pass fewer.
  const packPatterns = writer.writeQuantizedPatterns !== undefined && options.onQuantized === undefined;
  // Scratch sized for the largest quantized tensor of each route, reused by
  // all: peak memory is 5 bytes per element of the largest decoded tensor
  // (float32 + codes) or 2–3 per element of the largest 16-bit one (patterns,
  // + codes unless packed from patterns), and no GC churn. Oversized tensors
  // are refused by the readers.
  const fits = (n: number): number => (n <= MAX_TENSOR_ELEMENTS ? n : 0);
  const maxOf = (route16: boolean): number =>
    planned.reduce((m, p) => (p.quantize && (histogramRouteOf(p.entry) !== undefined) === route16 ? Math.max(m, fits(p.entry.params)) : m), 0);
  const maxDecoded = maxOf(false);
  const maxHalves = maxOf(true);
  const maxCodes = Math.max(maxDecoded, packPatterns ? 0 : maxHalves);
  let values: Float32Array | undefined = maxDecoded > 0 ? new Float32Array(maxDecoded) : undefined;
  let halves: Uint16Array | undefined = maxHalves > 0 ? new Uint16Array(maxHalves) : undefined;
  let codes: Int8Array | undefined = maxCodes > 0 ? new Int8Array(maxCodes) : undefined;
  const table = new Int8Array(65536);
  const stored = new Uint8Array(65536);
  const hist = new Half16Histogram();
  try {
    for (let i = 0; i < planned.length; i++) {
      const p = planned[i]!;
      throwIfAborted(signal, { file: source.path, tensor: p.entry.name });
      onProgress?.({ label: p.entry.name, done, total: bytesIn, unit: 'bytes' });
      if (p.quantize) {
        // Scratch buffers are reused across tensors: the largest tensor sets the peak.
        const kind = histogramRouteOf(p.entry);
        if (kind !== undefined) {
          hist.reset();
          halves = await readTensorHalves(source, p.entry, signal, halves, (h) => hist.add(h));
        }
        if (kind !== undefined && packPatterns) {
          await writer.writeQuantizedPatterns!(i, halves!, stored, patternScale(hist.counts(), kind, method, table, stored));
        } else {
          let q: TernaryTensor;
          if (kind !== undefined) {
            q = ternarizeHalves(halves!, hist.counts(), kind, method, codes, table);
          } else {
            const abs = method === 'absmean' ? new AbsSum() : undefined;
            values = await readTensorValues(source, p.entry, signal, values, abs ? (c) => abs.add(c) : undefined);
            q = ternarize(values, method, codes, abs);
          }
          if (q.codes.buffer !== codes?.buffer) codes = q.codes;
          options.onQuantized?.(p.entry.name, q);
          await writer.writeQuantized(i, q);
        }
        quantizedTensors++;
      } else {
        await writer.writeCopy(i);
      }
      done += p.entry.bytes;
    }
    onProgress?.({ label: 'done', done: bytesIn, total: bytesIn, unit: 'bytes' });
    throwIfAborted(signal, { file: options.out });
    await writer.commit();
  } catch (e) {
    await writer.abort();
    if (paths.createdDir) await rmdir(paths.createdDir).catch(() => undefined);
    throw e;
  }
  if (paths.config && inputConfig) {
    const kept = planned
      .filter((p) => !p.quantize && p.entry.shape.length === 2 && p.entry.name.endsWith('.weight') && p.reason !== 'embedding' && p.reason !== 'norm')
      .map((p) => p.entry.name.slice(0, -'.weight'.length));
    try {
      await writeFileAtomic(paths.config, `${JSON.stringify(bitnetConfig(inputConfig, kept), null, 2)}\n`);
    } catch (e) {
      // A packed model without its quantization_config would load as garbage: take it back.
      await unlink(paths.model).catch(() => undefined);
      throw e;
    }
  }

  const outputs = [paths.model, ...(paths.config ? [paths.config] : [])];
  const bytesOut = (await stat(paths.model)).size;
  return {
    format: options.format,
    method,
    outputs,
    tensorsWritten: planned.length,
    quantizedTensors,
    bytesIn,
    bytesOut,
    memorySavedFactor: bytesOut > 0 ? bytesIn / bytesOut : 0,
    seconds: (performance.now() - started) / 1000,
    kept: planned.filter((p) => !p.quantize).map((p) => ({ name: p.entry.name, reason: p.reason })),
    dropped: source.tensors.filter((t) => NON_NUMERIC.has(t.dtype)).map((t) => ({ name: t.name, reason: `${t.dtype} values are not numeric` })),
  };
}
