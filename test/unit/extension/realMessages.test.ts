/**
 * The schemas against what the real engine sends: the production job process
 * (bundled and forked as the extension does) opens and analyses a real
 * checkpoint and trains a few steps, and the host-side client must accept
 * every message — a message the schema refused would be logged as "ignored"
 * (and a refused result would leave its job waiting).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobClient } from '../../../src/jobs/client.js';
import type { MetricPoint } from '../../../src/protocol/training.js';
import { buildProductionWorker, ROOT } from './fixtures/productionWorker.js';

let dir: string;
let client: JobClient;
const log: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bitnet-real-messages-'));
  const worker = join(dir, 'jobWorker.cjs');
  await buildProductionWorker(worker);
  client = new JobClient({ workerPath: worker, log: (l) => log.push(l), forkOptions: { env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } } });
}, 60_000);
afterAll(() => {
  client?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const settings = { method: 'absmean' as const, include: [], exclude: [], backend: 'cpu' };

describe('real engine messages pass their schemas', () => {
  it('open and analyze: header, streamed tensors with statistics, the report', async () => {
    const path = join(ROOT, 'test/fixtures/torch/tiny_llama.safetensors');
    const open = await client.start({ kind: 'open', path, settings }).result;
    let streamed = 0;
    const analyzed = await client.start({ kind: 'analyze', path, settings }, { onTensors: (t) => (streamed += t.length) }).result;
    expect(open.report.tensors.length).toBeGreaterThan(0);
    expect(streamed).toBe(analyzed.report.tensors.length);
    expect(analyzed.report.tensors.some((t) => t.stats !== null)).toBe(true);
    expect(log.filter((l) => l.includes('ignored'))).toEqual([]);
  }, 120_000);

  it('train: progress, train and eval metric points with layer statistics, the summary', async () => {
    const points: MetricPoint[] = [];
    const out = join(dir, 'run');
    await client.start({ kind: 'train', options: { model: 'mlp', data: 'mnist', steps: 10, evalEvery: 5, out, backend: 'auto' } }, { onMetrics: (_run, p) => points.push(...p) }).result;
    expect(points.some((p) => p.kind === 'eval' && p.layers.length > 0)).toBe(true);
    expect(points.some((p) => p.kind === 'train')).toBe(true);
    expect(log.filter((l) => l.includes('ignored'))).toEqual([]);
  }, 300_000);
});
