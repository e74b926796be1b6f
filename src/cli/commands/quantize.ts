import { quantizeCheckpoint, isQuantizeFormat, QUANTIZE_FORMATS, type QuantizeSummary } from '../../core/convert/quantize.js';
import { BitnetLabError } from '../../core/errors.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { warnUnmatchedPatterns, withCheckpoint, withProgressBar } from '../commandSteps.js';
import { QUANT_SELECTION_OPTIONS, quantSelection } from '../quantOptions.js';

export const quantize: CliCommand = {
  name: 'quantize',
  summary: 'write a ternary checkpoint other tools load (HF BitNet packed, GGUF TQ1_0/TQ2_0/I2_S) or a fake-quantized one',
  usage: `usage: bitnet-lab quantize <checkpoint> -o <out> --format F [options]

  <checkpoint>          safetensors (single or sharded, F32/F16/BF16), GGUF, HF BitNet
                        packed or tfjs model.json — anything \`inspect\` opens

formats:
  hf-bitnet             Hugging Face transformers BitNet: U8 weights packed 4 per byte
                        along dim 0 + weight_scale = γ (AutoBitLinear offline, as the
                        released 2B4T); <out> is a folder (model.safetensors inside) or
                        a .safetensors path; the folder gets config.json with
                        quantization_config, plus the tokenizer files and
                        generation_config.json found beside the input
  gguf-tq2_0            GGUF v3, BitLinear weights as llama.cpp TQ2_0 (2.06 bits/weight)
  gguf-tq1_0            GGUF v3, llama.cpp TQ1_0 (1.69 bits/weight)
  gguf-i2_s             GGUF v3, bitnet.cpp I2_S (2 bits/weight, x86 layout, type 36;
                        bitnet.cpp only)
  gguf-f16              GGUF v3, nothing quantized: the F16 baseline
  fake-quant            safetensors with each weight replaced by Q·γ in its own dtype

  GGUF of a Llama or BitNet checkpoint (config.json beside it) is a model llama.cpp
  runs: architecture llama (Q/K permuted for its RoPE), bitnet (SiLU BitNet, tied
  head) or bitnet-b1.58 (relu² BitNet such as 2B4T: bitnet.cpp only), every
  hyper-parameter, the tokenizer, F32 norms, F16 embeddings and head. Without a
  config it holds tensors only. A weight whose rows are not a multiple of 256
  (128 for I2_S) is stored as Q8_0 (or --fallback f16) and listed.

options:
  -o, --out PATH        output file or folder (written atomically)
  --format F            ${QUANTIZE_FORMATS.join(' | ')}
  --method M            absmean (BitNet b1.58, default) | median | sign
  --fallback T          q8_0 (default) | f16: GGUF type of weights the ternary type
                        cannot hold
  --include PATTERN     also quantize tensors matching (repeatable, comma-separated)
  --exclude PATTERN     keep tensors matching in high precision (repeatable)
                        PATTERN: a module name as in HF modules_to_not_convert
                        (down_proj, mlp.down_proj, model.layers.0), a glob on the
                        tensor name (*q_proj*) or /regex/; one matching nothing is warned about
  --json                print the summary as JSON
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('quantize', argv, {
      out: { type: 'string', short: 'o' },
      format: { type: 'string' },
      fallback: { type: 'string' },
      ...QUANT_SELECTION_OPTIONS,
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new BitnetLabError('usage', 'quantize: give exactly one input checkpoint (see bitnet-lab quantize --help)');
    if (typeof values.out !== 'string' || values.out.length === 0) throw new BitnetLabError('usage', 'quantize: -o <out> is required');
    const format = String(values.format ?? '');
    if (!isQuantizeFormat(format)) throw new BitnetLabError('usage', `quantize: --format must be one of ${QUANTIZE_FORMATS.join(', ')}`);
    const fallback = values.fallback ?? 'q8_0';
    if (fallback !== 'q8_0' && fallback !== 'f16') throw new BitnetLabError('usage', 'quantize: --fallback must be q8_0 or f16');
    if (values.fallback !== undefined && !format.startsWith('gguf-')) throw new BitnetLabError('usage', 'quantize: --fallback applies to GGUF formats only');
    const selection = quantSelection('quantize', values);
    const out = values.out;
    const summary = await withCheckpoint(positionals[0]!, (source) => {
      warnUnmatchedPatterns(io, source.tensors.map((t) => t.name), selection);
      return withProgressBar(io, 'quantizing', (onProgress) => quantizeCheckpoint(source, { out, format, fallback, ...selection, signal: io.signal, onProgress }));
    });
    io.stdout(values.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary));
    return 0;
  },
};

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

export function renderSummary(s: QuantizeSummary): string {
  const lines = [
    `wrote ${s.outputs.join(' + ')}`,
    s.format === 'gguf-f16'
      ? `format ${s.format}: the unquantized baseline, ${s.tensorsWritten} tensors`
      : `format ${s.format}, method ${s.method}: ${s.quantizedTensors} of ${s.tensorsWritten} tensors quantized`,
    `${mb(s.bytesIn)} in → ${mb(s.bytesOut)} out (${s.memorySavedFactor.toFixed(2)}× smaller) in ${s.seconds.toFixed(1)} s`,
  ];
  if (s.kept.length > 0) {
    const byReason = new Map<string, number>();
    for (const k of s.kept) byReason.set(k.reason, (byReason.get(k.reason) ?? 0) + 1);
    lines.push(`kept in high precision: ${[...byReason].map(([r, n]) => `${n} ${r}`).join(', ')}`);
  }
  if (s.architecture !== undefined) lines.push(`architecture ${s.architecture}; runs in: ${s.runtimes ?? '?'}`);
  for (const f of s.fallbacks) lines.push(`fallback: ${f.name} → ${f.type} (${f.reason})`);
  if (s.dropped.length > 0) {
    const byReason = new Map<string, number>();
    for (const d of s.dropped) byReason.set(d.reason, (byReason.get(d.reason) ?? 0) + 1);
    lines.push(`left out: ${[...byReason].map(([r, n]) => `${n} (${r})`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
