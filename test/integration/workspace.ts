/**
 * The throwaway workspace both launchers open: the tiny Llama fixture (or,
 * if the fixture set is absent, an equivalent written here), a corrupt file,
 * and a checkpoint big enough that an analysis is still running when a test
 * kills the job process or cancels.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TINY_FIXTURE = join(REPO, 'test', 'fixtures', 'torch', 'tiny_llama.safetensors');

export interface SuiteConfig {
  workspace: string;
  tiny: string;
  corrupt: string;
  big: string;
  resultFile: string;
  /** Folder where the suite asks for screenshots (stage files) and the launcher answers. */
  stageDir: string;
  /** Whether a launcher takes screenshots (code-server route) — otherwise stages are skipped. */
  screenshots: boolean;
  exportDir: string;
  /** Two versions of one 6-layer model, b = a + noise growing with depth: a diff with something to show. */
  diffA: string;
  diffB: string;
  /** Run only the tests whose name contains this (BITNET_LAB_IT_ONLY; a local shortcut, never in CI). */
  only?: string;
  /**
   * A real model: the PyTorch-made `llama` Hugging Face folder (config.json,
   * tokenizer.json, model.safetensors) copied into the workspace, a text to
   * evaluate it on, and the files where the launcher writes what the CLI
   * computes on the same inputs (the numbers the views must show). Absent
   * when PyTorch is not installed.
   */
  realModel?: RealModelConfig;
}

export interface RealModelConfig {
  /** model.safetensors inside the copied folder. */
  checkpoint: string;
  textFile: string;
  context: number;
  prompt: string;
  maxTokens: number;
  /** `bitnet-lab eval --json` on textFile with --context (written by the launcher when done). */
  expectedEval: string;
  /** `bitnet-lab generate --mode fp --temperature 0 --json` of prompt (written by the launcher when done). */
  expectedFpGenerate: string;
}

/** A few sentences of plain English: the tokenizer gives ~130 tokens, four windows of 32. */
export const EVAL_TEXT = `The quick brown fox jumps over the lazy dog. A ternary network stores each weight as minus one, zero or plus one, and one scale per tensor.
Researchers measured perplexity on held-out text to compare the full precision model with its quantized twin. The results were close on large models
and further apart on small ones, which is what the scaling story of BitNet predicts. We keep the embeddings and the output head in high precision,
quantize every linear layer inside the blocks, and run the activations through eight-bit absmax quantization per token before each matrix product.
`;

interface RawTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A minimal F32 safetensors writer (format: 8-byte LE header length, JSON header, data). */
export function writeSafetensors(path: string, tensors: RawTensor[], metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(path, Buffer.concat([head, Buffer.from(json), ...tensors.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]));
}

/** Deterministic roughly-Gaussian values (sum of uniforms from a 32-bit LCG). */
function gaussian(n: number, seed: number, std: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < n; i++) out[i] = (u() + u() + u() + u() - 2) * std * 1.732;
  return out;
}

function perturbed(data: Float32Array, seed: number, std: number): Float32Array {
  const noise = gaussian(data.length, seed, std);
  return data.map((v, i) => v + noise[i]!);
}

function llamaLike(layers: number, hidden: number, ffn: number, vocab: number): RawTensor[] {
  const t: RawTensor[] = [{ name: 'model.embed_tokens.weight', shape: [vocab, hidden], data: gaussian(vocab * hidden, 1, 0.02) }];
  let seed = 2;
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    t.push({ name: `${p}.input_layernorm.weight`, shape: [hidden], data: new Float32Array(hidden).fill(1) });
    for (const proj of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) {
      t.push({ name: `${p}.self_attn.${proj}.weight`, shape: [hidden, hidden], data: gaussian(hidden * hidden, seed++, 0.02) });
    }
    t.push({ name: `${p}.post_attention_layernorm.weight`, shape: [hidden], data: new Float32Array(hidden).fill(1) });
    t.push({ name: `${p}.mlp.gate_proj.weight`, shape: [ffn, hidden], data: gaussian(ffn * hidden, seed++, 0.02) });
    t.push({ name: `${p}.mlp.up_proj.weight`, shape: [ffn, hidden], data: gaussian(ffn * hidden, seed++, 0.02) });
    t.push({ name: `${p}.mlp.down_proj.weight`, shape: [hidden, ffn], data: gaussian(ffn * hidden, seed++, 0.02) });
  }
  t.push({ name: 'model.norm.weight', shape: [hidden], data: new Float32Array(hidden).fill(1) });
  t.push({ name: 'lm_head.weight', shape: [vocab, hidden], data: gaussian(vocab * hidden, seed, 0.02) });
  return t;
}

/** Copy the HF model folder into the workspace and describe the real-model inputs. */
function realModelIn(workspace: string, outDir: string, hfFolder: string): RealModelConfig {
  const dir = join(workspace, 'llama-hf');
  cpSync(hfFolder, dir, { recursive: true });
  const textFile = join(workspace, 'eval.txt');
  writeFileSync(textFile, EVAL_TEXT);
  return {
    checkpoint: join(dir, 'model.safetensors'), textFile, context: 32, prompt: 'The quick brown fox', maxTokens: 24,
    expectedEval: join(outDir, 'expected-eval.json'), expectedFpGenerate: join(outDir, 'expected-generate-fp.json'),
  };
}

export function createWorkspace(outDir: string, screenshots: boolean, hfLlamaFolder?: string): SuiteConfig {
  const workspace = mkdtempSync(join(tmpdir(), 'bitnet-lab-it-'));
  const tiny = join(workspace, 'tiny_llama.safetensors');
  if (existsSync(TINY_FIXTURE)) copyFileSync(TINY_FIXTURE, tiny);
  else writeSafetensors(tiny, llamaLike(2, 64, 128, 256), { generator: 'test/integration/workspace.ts' });

  // A header that promises more data than the file holds: the reader must say where and why.
  const corrupt = join(workspace, 'corrupt.safetensors');
  const header = JSON.stringify({ 'model.layers.0.mlp.up_proj.weight': { dtype: 'F32', shape: [1024, 1024], data_offsets: [0, 4 * 1024 * 1024] } });
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(corrupt, Buffer.concat([len, Buffer.from(header), Buffer.alloc(100)]));

  // ~45 MB of F32: long enough (seconds on a shared 2-core machine) to kill or cancel mid-analysis.
  const big = join(workspace, 'big_llama.safetensors');
  writeSafetensors(big, llamaLike(3, 512, 1536, 1024), { generator: 'test/integration/workspace.ts' });

  const diffA = join(workspace, 'step_1000.safetensors');
  const diffB = join(workspace, 'step_2000.safetensors');
  const base = llamaLike(6, 64, 128, 256);
  writeSafetensors(diffA, base, { generator: 'test/integration/workspace.ts' });
  writeSafetensors(diffB, base.map((t, i) => (/_proj/.test(t.name) ? { ...t, data: perturbed(t.data, 1000 + i, 0.002 * (1 + Number(/layers\.(\d+)\./.exec(t.name)?.[1] ?? 0))) } : t)), { generator: 'test/integration/workspace.ts' });

  mkdirSync(outDir, { recursive: true });
  const stageDir = join(outDir, 'stages');
  mkdirSync(stageDir, { recursive: true });
  const exportDir = join(workspace, 'exports');
  mkdirSync(exportDir);
  const realModel = hfLlamaFolder !== undefined ? realModelIn(workspace, outDir, hfLlamaFolder) : undefined;
  return { workspace, tiny, corrupt, big, resultFile: join(outDir, 'result.json'), stageDir, screenshots, exportDir, diffA, diffB, only: process.env.BITNET_LAB_IT_ONLY, realModel };
}
