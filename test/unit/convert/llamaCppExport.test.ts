/**
 * Our GGUF model exports in real llama.cpp (node-llama-cpp's prebuilt CPU
 * build, test/peers/llamaCpp.ts). For the PyTorch-made fixtures
 * (scripts/fixtures/make_hf_models.py: llama, llama3-rope → arch `llama`;
 * bitnet-silu → arch `bitnet`, tied head) exported by `quantizeCheckpoint`
 * from the HF folder, as `bitnet-lab quantize` does, to gguf-f16,
 * gguf-tq2_0 and gguf-tq1_0:
 *   - llama.cpp tokenizes a real text on the exported file as our tokenizer
 *     does on the same file, and as tokenizer.json does on the source folder;
 *   - llama.cpp's logits for those tokens agree with our runtime's on the
 *     SAME file (its native mode: fp for F16, stored ternary for TQ):
 *       TQ types: correlation ≥ 0.999 and argmax agreement ≥ 0.9 (llama.cpp
 *       quantizes activations to Q8_K per 256 values, we per token to int8);
 *       F16: max |Δ| < 1e-3 on the file's F32 twin (widenGguf.ts: same
 *       entries and values), plus correlation ≥ 0.99999 and every argmax on
 *       the F16 file itself — where llama.cpp rounds every matmul's
 *       activations to F16 (ggmlArithmetic.ts), which moves logits by up to
 *       ~1e-2 (a 2^-11 relative rounding, and a different rounding
 *       boundary hit by either side makes them drift apart from there).
 * The relu² BitNet (2B4T-style) is written as bitnet.cpp's `bitnet-b1.58`:
 * the summary says so, and upstream llama.cpp refuses it in its own words.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizeCheckpoint, type QuantizeFormat, type QuantizeSummary } from '../../../src/core/convert/quantize.js';
import { openCheckpoint } from '../../../src/core/formats/open.js';
import { loadCausalLm } from '../../../src/core/model/load.js';
import { loadTokenizer } from '../../../src/core/model/tokenizer/load.js';
import { emulateGgmlInputs } from '../../peers/ggmlArithmetic.js';
import { llamaCppAvailable, llamaCppLog, loadLlamaCpp } from '../../peers/llamaCpp.js';
import { agreement, llamaCppLogits, type Agreement } from '../../peers/llamaCppLogits.js';
import { hfModel, torchAvailable, type HfModelName } from '../../peers/torchModels.js';
import { widenF16ToF32 } from '../../peers/widenGguf.js';
import { tempDir } from './helpers.js';

/** A real English text (paragraphs, newlines); its opening (two sentences, ~50 Llama-2 tokens with BOS) is run. */
const FULL_TEXT = readFileSync(join(__dirname, '../../fixtures/text/eval-sample.txt'), 'utf8');
const TEXT = FULL_TEXT.slice(0, 205);

const FIXTURES: ReadonlyArray<{ name: HfModelName; arch: string }> = [
  { name: 'llama', arch: 'llama' },
  { name: 'llama3-rope', arch: 'llama' },
  { name: 'bitnet-silu', arch: 'bitnet' },
];
const FORMATS: readonly QuantizeFormat[] = ['gguf-f16', 'gguf-tq2_0', 'gguf-tq1_0'];

const run = llamaCppAvailable() && torchAvailable() ? describe : describe.skip;

const dir = tempDir('llamacpp-export');
/** Figures per fixture × format, printed once for the record (the assertions are below). */
const figures: string[] = [];
const fmt = (a: Agreement): string => `corr ${a.correlation.toFixed(7)}  argmax ${a.argmax.toFixed(3)}  max|Δ| ${a.maxAbsDiff.toExponential(2)}`;

async function exportGguf(fixture: HfModelName, format: QuantizeFormat): Promise<{ out: string; summary: QuantizeSummary; folder: string }> {
  const folder = await hfModel(fixture);
  const source = await openCheckpoint(folder);
  const out = join(dir, `${fixture}.${format}.gguf`);
  try {
    return { out, summary: await quantizeCheckpoint(source, { out, format }), folder };
  } finally {
    await source.close();
  }
}

/** The ids llama.cpp runs for `text` on a model file: BOS when its vocabulary says so, then the text, special tokens parsed. */
async function llamaCppTokens(path: string, text: string): Promise<number[]> {
  const { llama } = await loadLlamaCpp();
  const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
  try {
    return [...(model.tokens.shouldPrependBosToken ? [model.tokens.bos as number] : []), ...(Array.from(model.tokenize(text, true)) as number[])];
  } finally {
    await model.dispose();
  }
}

afterAll(() => {
  // A dozen GGUFs with 32000-token F16 embeddings and heads: ~200 MB of temp files.
  rmSync(dir, { recursive: true, force: true });
  if (figures.length > 0) console.log(`llama.cpp vs bitnet-lab on the same GGUF (${TEXT.length} chars of eval-sample.txt):\n${figures.join('\n')}`);
});

run('GGUF model exports in real llama.cpp: same tokens, same logits', () => {

  for (const { name, arch } of FIXTURES) {
    for (const format of FORMATS) {
      it(`${name} → ${format} (arch ${arch})`, async () => {
        const { out, summary, folder } = await exportGguf(name, format);
        expect(summary.architecture).toBe(arch);
        expect(summary.runtimes).toMatch(/^llama\.cpp/);
        expect(summary.tokenizer).toMatch(/^llama, 32000 tokens, from .*tokenizer\.json$/);
        expect(summary.fallbacks).toEqual([]);

        // Tokens: llama.cpp on the file = our tokenizer on the file = tokenizer.json on the source folder.
        const ours = await loadTokenizer(out);
        const ids = ours.encode(TEXT);
        expect(ids.length).toBeGreaterThan(40);
        expect(await llamaCppTokens(out, TEXT)).toEqual(ids);
        expect((await loadTokenizer(folder)).encode(TEXT)).toEqual(ids);
        expect(await llamaCppTokens(out, FULL_TEXT)).toEqual(ours.encode(FULL_TEXT));

        const lm = await loadCausalLm(out, { mode: 'native' });
        expect(lm.mode).toBe(format === 'gguf-f16' ? 'fp' : 'stored');
        const mine = lm.logits(ids);
        const theirs = await llamaCppLogits(out, ids);
        expect(theirs.vocab).toBe(32000);
        const a = agreement(theirs.logits, mine, theirs.vocab);
        // What llama.cpp's own arithmetic gives on our side (activations rounded as ggml does): for the record.
        const emulated = await loadCausalLm(out, { mode: 'fp' });
        await emulateGgmlInputs(emulated, out);
        const e = agreement(theirs.logits, emulated.logits(ids), theirs.vocab);
        figures.push(`  ${name.padEnd(12)} ${format.padEnd(11)} ${lm.mode.padEnd(7)} ${fmt(a)}   | ggml-rounded inputs: ${fmt(e)}`);

        if (format === 'gguf-f16') {
          expect(a.correlation).toBeGreaterThanOrEqual(0.99999);
          expect(a.argmax).toBe(1);
          // The same file with its F16 tensors stored as F32: llama.cpp then computes in float32, as we do.
          const twin = join(dir, `${name}.f32-twin.gguf`);
          await widenF16ToF32(out, twin);
          const twinLm = await loadCausalLm(twin, { mode: 'fp' });
          // Same values, so the same logits for us up to float32 summation order (the f16 and f32 GEMV
          // kernels add their lanes in different orders): 1e-4 is two orders below the F16 gap measured here.
          expect(agreement(twinLm.logits(ids), mine, theirs.vocab).maxAbsDiff).toBeLessThan(1e-4);
          const t = await llamaCppLogits(twin, ids);
          const tw = agreement(t.logits, mine, t.vocab);
          figures.push(`  ${name.padEnd(12)} ${'F32 twin'.padEnd(11)} fp      ${fmt(tw)}`);
          expect(tw.maxAbsDiff).toBeLessThan(1e-3);
        } else {
          expect(a.correlation).toBeGreaterThanOrEqual(0.999);
          expect(a.argmax).toBeGreaterThanOrEqual(0.9);
        }
      }, 240_000);
    }
  }
});

run('a tied-head llama in real llama.cpp', () => {
  it('drops lm_head, and llama.cpp reuses token_embd as the head as we do', async () => {
    // The llama fixture with tie_word_embeddings: transformers (and we) then use embed_tokens as the head.
    const from = await hfModel('llama');
    const folder = join(dir, 'llama-tied');
    mkdirSync(folder);
    for (const f of ['model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(from, f), join(folder, f));
    const config = JSON.parse(readFileSync(join(from, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, tie_word_embeddings: true }));
    const source = await openCheckpoint(folder);
    const out = join(dir, 'llama-tied.tq2_0.gguf');
    let summary: QuantizeSummary;
    try {
      summary = await quantizeCheckpoint(source, { out, format: 'gguf-tq2_0' });
    } finally {
      await source.close();
    }
    expect(summary.architecture).toBe('llama');
    expect(summary.dropped.map((d) => d.name)).toEqual(['lm_head.weight']);
    const ids = (await loadTokenizer(out)).encode(TEXT);
    const theirs = await llamaCppLogits(out, ids);
    const lm = await loadCausalLm(out, { mode: 'native' });
    expect(lm.config.tiedHead).toBe(true);
    const a = agreement(theirs.logits, lm.logits(ids), theirs.vocab);
    figures.push(`  ${'llama tied'.padEnd(12)} ${'gguf-tq2_0'.padEnd(11)} stored  ${fmt(a)}`);
    expect(a.correlation).toBeGreaterThanOrEqual(0.999);
    expect(a.argmax).toBeGreaterThanOrEqual(0.9);
  }, 240_000);
});

run('GGUF → GGUF in real llama.cpp', () => {
  it('our F16 llama GGUF re-quantized to TQ2_0 keeps its tokenizer and runs with our logits', async () => {
    const { out: f16 } = await exportGguf('llama', 'gguf-f16');
    const source = await openCheckpoint(f16);
    const out = join(dir, 'llama.f16-to-tq2_0.gguf');
    let summary: QuantizeSummary;
    try {
      summary = await quantizeCheckpoint(source, { out, format: 'gguf-tq2_0' });
    } finally {
      await source.close();
    }
    expect(summary.quantizedTensors).toBe(14);
    expect(summary.runtimes).toMatch(/^llama\.cpp/);
    const ids = (await loadTokenizer(out)).encode(TEXT);
    expect(await llamaCppTokens(out, TEXT)).toEqual(ids);
    const theirs = await llamaCppLogits(out, ids);
    const lm = await loadCausalLm(out, { mode: 'native' });
    expect(lm.mode).toBe('stored');
    const a = agreement(theirs.logits, lm.logits(ids), theirs.vocab);
    figures.push(`  ${'llama'.padEnd(12)} ${'f16→tq2_0'.padEnd(11)} stored  ${fmt(a)}`);
    expect(a.correlation).toBeGreaterThanOrEqual(0.999);
    expect(a.argmax).toBeGreaterThanOrEqual(0.9);
  }, 240_000);
});

run('a relu² BitNet (2B4T-style) export in upstream llama.cpp', () => {
  let tq: { out: string; summary: QuantizeSummary };
  beforeAll(async () => {
    tq = await exportGguf('bitnet-2b4t', 'gguf-tq2_0');
  }, 240_000);

  it('is written as bitnet.cpp\'s bitnet-b1.58, and the summary says which runtimes load it', () => {
    expect(tq.summary.architecture).toBe('bitnet-b1.58');
    expect(tq.summary.runtimes).toMatch(/^bitnet\.cpp only/);
    expect(tq.summary.runtimes).toMatch(/upstream llama\.cpp has no relu² BitNet and answers "unknown model architecture"/);
  });

  it('upstream llama.cpp refuses it, in the words the summary quotes', async () => {
    const { llama } = await loadLlamaCpp();
    const { log, result, error } = await llamaCppLog(() => llama.loadModel({ modelPath: tq.out }));
    await (result as { dispose?: () => Promise<void> } | undefined)?.dispose?.();
    expect(error).toBeInstanceOf(Error);
    expect(log).toMatch(/unknown model architecture: 'bitnet-b1\.58'/);
  }, 120_000);
});
