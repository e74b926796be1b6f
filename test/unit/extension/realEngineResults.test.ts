/**
 * The result schemas of the engine jobs (src/protocol/engineResultSchemas.ts)
 * against what the real engine returns: the production job process (bundled
 * and forked as the extension does, src/jobs/engine.ts inside) runs each job
 * on the repository's small fixtures, and the host-side client must accept
 * each result as it arrives — a refused one would fail the job with the
 * schema's line. Then the same real values, garbled as a crash or a version
 * skew would, must be refused with a message naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { JobClient } from '../../../src/jobs/client.js';
import { CheckpointDiffSchema, CheckpointEnergyReportSchema, ComparisonReportSchema } from '../../../src/protocol/engineResultSchemas.js';
import { parseJobToHost, type JobResult, type JobResultOf } from '../../../src/protocol/jobs.js';
import { TORCH_PYTHON, torchAvailable } from '../../peers/torch.js';
import { buildProductionWorker, ROOT } from './fixtures/productionWorker.js';

const TINY = join(ROOT, 'test/fixtures/torch/tiny_llama.safetensors');
const TINY_F32 = join(ROOT, 'test/fixtures/torch/tiny_llama_f32.safetensors');

let dir: string;
let client: JobClient;
const log: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bitnet-real-results-'));
  const worker = join(dir, 'jobWorker.cjs');
  await buildProductionWorker(worker);
  client = new JobClient({ workerPath: worker, log: (l) => log.push(l), forkOptions: { env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } } });
}, 60_000);
afterAll(() => {
  client?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Nothing the job process sent was refused (progress and metrics included). */
const nothingIgnored = (): void => expect(log.filter((l) => l.includes('ignored'))).toEqual([]);

/**
 * The refusal of `result` after one change at `path` (a key deleted when
 * `to` is DELETE): what the host would log and fail the job with.
 */
const DELETE = Symbol('delete');
function refusalOf(result: JobResult, path: Array<string | number>, to: unknown): string | undefined {
  const copy = structuredClone(result) as unknown as Record<string | number, unknown>;
  let at = copy.value as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (!(last in at)) throw new Error(`the real value has no ${path.join('.')}: the test would garble nothing`);
  if (to === DELETE) delete at[last];
  else at[last] = to;
  const parsed = parseJobToHost({ type: 'result', id: 1, result: copy });
  return parsed.ok ? undefined : parsed.error;
}
const refused = (at: string, why: string): string => `"result" message from the job process: result.value.${at}: ${why}`;

/** A trained MLP run (BitNet and its FP twin, checkpoints written): compare, diff and fine-tune read it. */
let trained: Promise<JobResultOf<'train'>> | undefined;
const trainRun = (): Promise<JobResultOf<'train'>> =>
  (trained ??= client.start({ kind: 'train', options: { model: 'mlp', data: 'mnist', steps: 6, evalEvery: 3, out: join(dir, 'mlp-run'), backend: 'auto' } }).result);

describe('real engine results pass their schemas; garbled, they are refused by field', () => {
  it('train (tfjs): both runs summarised, checkpoints named', async () => {
    const r = await trainRun();
    expect(r.value.engine).toBe('tfjs');
    expect(r.value.runs.bitnet.steps).toBe(6);
    expect(existsSync(r.value.runs.fp!.checkpoint!)).toBe(true);
    nothingIgnored();
    expect(refusalOf(r, ['runs', 'bitnet', 'finalValLoss'], 'low')).toBe(refused('runs.bitnet.finalValLoss', 'expected a number'));
    expect(refusalOf(r, ['runs', 'bitnet', 'checkpoint'], DELETE)).toBe(refused('runs.bitnet.checkpoint', 'missing'));
    expect(refusalOf(r, ['config', 'lm', 'heads'], '4')).toBe(refused('config.lm.heads', 'expected number, got "4"'));
    expect(refusalOf(r, ['engine'], 'jax')).toMatch(/^"result" message from the job process: result\.value\.engine: expected .*"torchrun"/);
  }, 300_000);

  it('finetune: the FP checkpoint fine-tuned quantization-aware, quality before and after', async () => {
    const fp = (await trainRun()).value.runs.fp!.checkpoint!;
    const r = await client.start({ kind: 'finetune', path: fp, options: { data: 'mnist', steps: 3, out: join(dir, 'finetune'), backend: 'auto' } }).result;
    expect(r.value.checkpoint).toBe(fp);
    expect(r.value.after.steps).toBe(3);
    nothingIgnored();
    expect(refusalOf(r, ['before', 'ptq', 'valMetric'], DELETE)).toBe(refused('before.ptq.valMetric', 'missing'));
    expect(refusalOf(r, ['after', 'steps'], '3')).toBe(refused('after.steps', 'expected number, got "3"'));
  }, 300_000);

  it('compare: a training checkpoint, so the report carries end-to-end model quality as well as speed and per-layer error', async () => {
    const bitnet = (await trainRun()).value.runs.bitnet.checkpoint!;
    const r = await client.start({ kind: 'compare', path: bitnet, options: { backend: 'auto', timeBudgetMs: 3000 } }).result;
    expect(r.value.modelQuality?.rows.map((row) => row.variant)).toEqual(['fp', 'ptq', 'qat']);
    expect(r.value.quality.layers.length).toBeGreaterThan(0);
    nothingIgnored();
    expect(refusalOf(r, ['quality', 'layers', 0, 'cosine'], '0.9')).toBe(refused('quality.layers.0.cosine', 'expected a number'));
    expect(refusalOf(r, ['modelQuality', 'rows', 1, 'variant'], 'int4')).toMatch(/^"result" message from the job process: result\.value\.modelQuality\.rows\.1\.variant: expected .*"ptq"/);
    expect(refusalOf(r, ['energy', 'totals', 0, 'joules'], DELETE)).toBe(refused('energy.totals.0.joules', 'missing'));
    expect(refusalOf(r, ['memory', 'byFormat', 'tq2_0'], null)).toBe(refused('memory.byFormat.tq2_0', 'expected a number'));
  }, 300_000);

  it('diff: two real checkpoints, per tensor and per layer', async () => {
    const r = await client.start({ kind: 'diff', a: TINY, b: TINY_F32, options: {} }).result;
    expect(r.value.tensors.length).toBeGreaterThan(0);
    expect(r.value.perLayer.length).toBeGreaterThan(0);
    nothingIgnored();
    expect(refusalOf(r, ['perLayer', 0, 'flipRate'], DELETE)).toBe(refused('perLayer.0.flipRate', 'missing'));
    expect(refusalOf(r, ['tensors', 0, 'shape'], ['64', 64])).toBe(refused('tensors.0.shape', 'expected an array of numbers'));
    expect(refusalOf(r, ['totals', 'flips'], '0')).toBe(refused('totals.flips', 'expected number, got "0"'));
  }, 120_000);

  it('energy: per-layer and per-format figures on a real checkpoint', async () => {
    const r = await client.start({ kind: 'energy', path: TINY, options: { node: '45nm', tokens: 10 } }).result;
    expect(r.value.node).toBe('45nm');
    expect(r.value.layers.length).toBeGreaterThan(0);
    nothingIgnored();
    expect(refusalOf(r, ['layers', 0, 'pjPerToken', 'ternary'], DELETE)).toBe(refused('layers.0.pjPerToken.ternary', 'missing'));
    expect(refusalOf(r, ['headline', 'ratio'], '71.4×')).toBe(refused('headline.ratio', 'expected a number'));
  }, 120_000);

  it('quantize: a GGUF TQ2_0 file, with what was kept, dropped or stored otherwise', async () => {
    const output = join(dir, 'tiny.tq2_0.gguf');
    const r = await client.start({ kind: 'quantize', input: TINY, output, options: { format: 'tq2_0', method: 'absmean' } }).result;
    expect(r.value.outputs[0]).toBe(output);
    expect(r.value.architecture).toBeDefined();
    nothingIgnored();
    expect(refusalOf(r, ['bytesOut'], String(r.value.bytesOut))).toBe(refused('bytesOut', `expected number, got "${r.value.bytesOut}"`));
    expect(refusalOf(r, ['kept'], DELETE)).toBe(refused('kept', 'missing'));
    expect(refusalOf(r, ['format'], 'tq2_0')).toMatch(/^"result" message from the job process: result\.value\.format: expected .*"gguf-tq2_0"/);
  }, 120_000);

  // The torchrun result is run.json as train_bitnet.py writes it: Python's keys, checked by the same schema.
  it.skipIf(!torchAvailable())('train (torchrun): run.json as PyTorch wrote it', async () => {
    const corpus = join(ROOT, 'README.md');
    const options = {
      model: 'lm', data: corpus, steps: 4, evalEvery: 4, batchSize: 4, baseline: false, engine: 'torchrun', nproc: 1, python: TORCH_PYTHON,
      dModel: 16, layers: 1, heads: 2, ffn: 32, context: 16, valTokens: 256, blockBytes: 256, warmupSteps: 1, out: join(dir, 'torchrun-run'),
    } as const;
    const r = await client.start({ kind: 'train', options }).result;
    expect(r.value.engine).toBe('torchrun');
    expect('worldSize' in r.value && r.value.worldSize).toBe(1);
    nothingIgnored();
    expect(refusalOf(r, ['worldSize'], DELETE)).toBe(refused('worldSize', 'missing'));
    expect(refusalOf(r, ['distBackend'], 1)).toBe(refused('distBackend', 'expected string, got 1'));
  }, 300_000);
});

describe('the reports the pages are tested on are results the host accepts', () => {
  // Saved real engine output (test/fixtures/reports): the webview tests render these, so they must fit the schemas.
  const report = (name: string): unknown => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports', name), 'utf8'));
  it.each([
    ['compare-llama-1024x4.json', ComparisonReportSchema],
    ['compare-llama-1024x4-model-quality.json', ComparisonReportSchema],
    ['diff-llama-8l.json', CheckpointDiffSchema],
    ['energy-tiny-45nm.json', CheckpointEnergyReportSchema],
  ] as const)('%s', (name, schema) => {
    const r = v.safeParse(schema, report(name));
    expect(r.issues?.map((i) => `${v.getDotPath(i)}: ${i.message}`)).toBeUndefined();
  });
});
