/**
 * `quantizeCheckpoint`: any CheckpointSource → a ternary checkpoint other
 * tools load (HF BitNet packed safetensors, GGUF TQ1_0 / TQ2_0 / I2_S) or a
 * fake-quantized safetensors. Streams tensor by tensor: each BitLinear weight
 * is read whole (γ is a per-tensor statistic), quantized by the same rules
 * the analysis uses (src/core/quant), encoded and written; every other tensor
 * is copied in bounded chunks. Large BF16/F16 weights take the analysis's
 * histogram route (ternarize16.ts: raw patterns, no float decoding); the rest
 * are decoded to float32 (ternarize.ts); weights that already are ternary
 * (packed inputs) keep their stored codes and γ (storedTernary). Outputs are atomic — an
 * error or a cancel leaves no model file behind.
 */
import { stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { throwIfAborted } from '../errors.js';
import type { CheckpointSource } from '../formats/types.js';
import { writeFileAtomic } from '../formats/atomicWrite.js';
import { TensorSelector, declaredFullPrecision } from '../quant/selection.js';
import type { QuantMethod, TernaryTensor } from '../quant/types.js';
import { bitnetConfig, configDtype, HF_SCALE_NOTE } from './hfConfig.js';
import { readConfigJson } from '../formats/hfBitnet/hfConfig.js';
import { openGgufOutput } from './ggufOutput.js';
import { planGgufExport } from './ggufExport.js';
import { copyCompanions, inputFolder, removeCreatedDirs, resolveOutputs } from './outputPaths.js';
import type { OutputWriter, PlannedTensor } from './outputWriter.js';
import { MAX_TENSOR_ELEMENTS, readTensorHalves, readTensorValues } from './readTensor.js';
import { AbsSum, storedTernary, ternarize } from './ternarize.js';
import { histogramRouteOf, patternScale, ternarizeHalves } from './ternarize16.js';
import { Half16Histogram } from '../quant/histogram16.js';
import { openSafetensorsOutput, weightScaleName } from './safetensorsOutput.js';
import type { QuantizeFormat, QuantizeOptions, QuantizeSummary } from './types.js';

export * from './types.js';

const TOOL = 'bitnet-lab 0.1.0';
/** Tensors with no numeric values (tfjs graph constants): not model weights, left out of outputs. */
const NON_NUMERIC = new Set(['STRING', 'C64']);

/** The ggml type each GGUF format stores its weights as. */
const GGUF_TYPE: Partial<Record<QuantizeFormat, 'TQ1_0' | 'TQ2_0' | 'I2_S' | 'F16'>> = {
  'gguf-tq1_0': 'TQ1_0',
  'gguf-tq2_0': 'TQ2_0',
  'gguf-i2_s': 'I2_S',
  'gguf-f16': 'F16',
};

function planTensors(source: CheckpointSource, options: QuantizeOptions): PlannedTensor[] {
  const selector = new TensorSelector({ include: options.include ?? [], exclude: options.exclude ?? [], fullPrecision: declaredFullPrecision(source.metadata) });
  const planned = source.tensors.filter((entry) => !NON_NUMERIC.has(entry.dtype)).map((entry) => {
    const d = selector.decide(entry);
    // The F16 baseline keeps every weight as it is: the model BitNet is compared against.
    if (options.format === 'gguf-f16' && d.quantized) return { entry, quantize: false, reason: 'unquantized baseline (gguf-f16)' };
    return { entry, quantize: d.quantized, reason: d.reason };
  });
  if (source.format !== 'hf-bitnet') return planned;
  // A packed input's scales belong to the weights they scale: re-quantized
  // weights get fresh ones, so the old ones must not be copied alongside.
  const requantized = new Set(planned.filter((p) => p.quantize && p.entry.ternary).map((p) => weightScaleName(p.entry.name)));
  return planned.filter((p) => !requantized.has(p.entry.name));
}

export async function quantizeCheckpoint(source: CheckpointSource, options: QuantizeOptions): Promise<QuantizeSummary> {
  const started = performance.now();
  const method: QuantMethod = options.method ?? 'absmean';
  const { signal, onProgress } = options;
  throwIfAborted(signal, { file: options.out });
  let planned = planTensors(source, options);
  const configFile = join(inputFolder(source), 'config.json');
  const inputConfig = await readConfigJson(configFile);
  const provenance: Record<string, string> = {
    'bitnet_lab.tool': TOOL,
    'bitnet_lab.quantization': options.format === 'gguf-f16' ? 'none' : method,
    'bitnet_lab.format': options.format,
    'bitnet_lab.source': basename(source.path),
  };
  const ggufType = GGUF_TYPE[options.format];
  // Decided before any file is touched: a model we cannot describe is refused here.
  const gguf = ggufType !== undefined ? await planGgufExport({ source, planned, config: inputConfig, configFile, ternaryType: ggufType, provenance }) : undefined;
  const dropped = source.tensors.filter((t) => NON_NUMERIC.has(t.dtype)).map((t) => ({ name: t.name, reason: `${t.dtype} values are not numeric` }));
  if (gguf) {
    planned = gguf.planned;
    dropped.push(...gguf.dropped);
  }
  const paths = await resolveOutputs(source, options.out, options.format, options.format === 'hf-bitnet');

  let writer: OutputWriter;
  let fallbacks: QuantizeSummary['fallbacks'] = [];
  try {
    if (gguf && ggufType) {
      const opened = await openGgufOutput(source, planned, {
        type: ggufType,
        fallback: options.fallback === 'f16' ? 'F16' : 'Q8_0',
        kvs: gguf.kvs,
        names: gguf.names,
        extraTensors: gguf.extraTensors,
        f16Matrices: gguf.model || ggufType === 'F16',
      }, paths.model, signal);
      writer = opened.writer;
      fallbacks = opened.fallbacks;
    } else {
      const kind = options.format === 'hf-bitnet' ? 'hf-bitnet' : 'fake-quant';
      const meta: Record<string, string> = { format: 'pt', ...provenance };
      if (kind === 'hf-bitnet') meta['bitnet_lab.weight_scale'] = HF_SCALE_NOTE;
      writer = await openSafetensorsOutput(source, planned, kind, paths.model, meta, configDtype(inputConfig) ?? 'F32', signal);
    }
  } catch (e) {
    await removeCreatedDirs(paths);
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
            // Stored codes, or floats already {−γ, 0, +γ} (fake-quant): read as they are, not quantized again.
            q = (p.entry.ternary || method !== 'sign' ? storedTernary(values, codes) : undefined) ?? ternarize(values, method, codes, abs);
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
    await removeCreatedDirs(paths);
    throw e;
  }
  const outputs = [paths.model];
  if (paths.folder !== undefined) {
    // A complete model folder: the config that says how to read the packed
    // weights (written even when the input had none: without it a reader
    // would assume the other weight_scale convention), the tokenizer and the
    // generation settings.
    const kept = planned
      .filter((p) => !p.quantize && p.entry.shape.length === 2 && p.entry.name.endsWith('.weight') && p.reason !== 'embedding' && p.reason !== 'norm')
      .map((p) => p.entry.name.slice(0, -'.weight'.length));
    const config = join(paths.folder, 'config.json');
    try {
      await writeFileAtomic(config, `${JSON.stringify(bitnetConfig(inputConfig ?? {}, kept), null, 2)}\n`);
      outputs.push(config);
      outputs.push(...(await copyCompanions(inputFolder(source), paths.folder)));
    } catch (e) {
      // A packed model without its quantization_config would load as garbage: take it back.
      for (const f of outputs) await unlink(f).catch(() => undefined);
      await removeCreatedDirs(paths);
      throw e;
    }
  }

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
    dropped,
    fallbacks,
    ...(gguf ? { architecture: gguf.architecture, runtimes: gguf.runtimes } : {}),
    ...(gguf?.tokenizer !== undefined ? { tokenizer: gguf.tokenizer } : {}),
  };
}
