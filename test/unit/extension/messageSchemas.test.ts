/**
 * Messages are checked on receipt against the schemas that type them
 * (src/protocol/*): strict objects refuse unknown keys, nested fields are
 * checked, and the refusal is one line naming the message and the path.
 */
import { describe, expect, it } from 'vitest';
import { parseHostToJob, parseJobToHost } from '../../../src/protocol/jobs.js';
import { serveJobs } from '../../../src/jobs/serve.js';
import type { Engine } from '../../../src/jobs/engineTypes.js';
import type { JobToHost } from '../../../src/protocol/jobs.js';
import { isTrainingPanelRequest } from '../../../src/protocol/training.js';
import { isPanelRequest } from '../../../src/protocol/panels.js';
import * as v from 'valibot';
import { exactly, type Matches } from '../../../src/protocol/schema.js';

const errorOf = (r: { ok: boolean; error?: string }): string | undefined => (r.ok ? undefined : r.error);

const stats = {
  gamma: 0.5, zeros: 1, plus: 1, minus: 0, zeroFraction: 0.5, entropyBits: 1, relRmse: 0.1, cosine: 0.99, sqnrDb: Infinity,
  min: -1, max: 1, mean: 0, std: 0.5, nonFinite: 0, histogram: { edges: [-1, 0, 1], counts: [1, 1] }, thresholds: [-0.25, 0.25],
};
const tensor = { name: 'w', dtype: 'F32', shape: [2], params: 2, bytes: 8, quantized: true, stats };

describe('job process → host', () => {
  it('accepts a tensor batch with its nested statistics (Infinity included)', () => {
    expect(errorOf(parseJobToHost({ type: 'tensors', id: 1, tensors: [tensor] }))).toBeUndefined();
  });

  it('rejects an unknown key deep inside, naming the message and the path', () => {
    const bad = { type: 'tensors', id: 1, tensors: [{ ...tensor, stats: { ...stats, extra: 1 } }] };
    expect(errorOf(parseJobToHost(bad))).toBe('"tensors" message from the job process: tensors.0.stats.extra: unknown key "extra"');
  });

  it('rejects a wrong nested type', () => {
    const bad = { type: 'tensors', id: 1, tensors: [{ ...tensor, stats: { ...stats, histogram: { edges: [0, 'x'], counts: [] } } }] };
    expect(errorOf(parseJobToHost(bad))).toBe('"tensors" message from the job process: tensors.0.stats.histogram.edges: expected an array of numbers');
    const metrics = { type: 'metrics', id: 2, run: 'bitnet', points: [{ kind: 'eval', step: 1, trainLoss: null, valLoss: 1, valMetric: 0.5, metricName: 'accuracy', lr: 0, wd: 0, seconds: 1, layers: [{ name: 'l', sparsity: 0.3, gamma: '1', flipRate: null }] }] };
    expect(errorOf(parseJobToHost(metrics))).toBe('"metrics" message from the job process: points.0.layers.0.gamma: expected a number');
    expect(errorOf(parseJobToHost({ type: 'progress', id: 1, event: { label: 'x', done: 1, total: 2, unit: 'parsecs' } }))).toMatch(/event\.unit: expected .*"bytes"/);
  });

  it('rejects a failure whose place carries a stray key', () => {
    const r = parseJobToHost({ type: 'error', id: 1, failure: { code: 'io', message: 'm', reason: 'r', place: { file: 'f', line: 3 } } });
    expect(errorOf(r)).toBe('"error" message from the job process: failure.place.line: unknown key "line"');
  });
});

describe('host → job process', () => {
  it('checks job options: unknown keys and wrong types are refused by name', () => {
    expect(errorOf(parseHostToJob({ type: 'start', id: 1, request: { kind: 'train', options: { steps: 10, model: 'mlp' } } }))).toBeUndefined();
    expect(errorOf(parseHostToJob({ type: 'start', id: 1, request: { kind: 'train', options: { stpes: 10 } } }))).toBe(
      '"start" message from the host: request.options.stpes: unknown key "stpes"',
    );
    expect(errorOf(parseHostToJob({ type: 'start', id: 1, request: { kind: 'train', options: { steps: '10' } } }))).toMatch(/^"start" message from the host: request\.options\.steps: expected number, got "10"/);
    expect(errorOf(parseHostToJob({ type: 'start', id: 1, request: { kind: 'compare', path: '/m', options: { backend: 'gpu' } } }))).toMatch(/request\.options\.backend: expected .*"wasm"/);
    expect(errorOf(parseHostToJob({ type: 'start', id: 1, request: { kind: 'quantize', input: 'a', output: 'b', options: { include: ['x', 3] } } }))).toMatch(/request\.options\.include\.1: expected string/);
  });

  it('answers a refused start with a usage failure for that job, so the host is not left waiting', async () => {
    const sent: JobToHost[] = [];
    let deliver: (raw: unknown) => void = () => undefined;
    serveJobs({ send: (m) => sent.push(m), onMessage: (l) => (deliver = l) }, { extra: {} } as unknown as Engine);
    deliver({ type: 'start', id: 7, request: { kind: 'energy', path: '/m', options: { nodes: '7nm' } } });
    expect(sent).toEqual([
      { type: 'error', id: 7, failure: { code: 'usage', message: expect.stringContaining('request.options.nodes: unknown key "nodes"'), reason: expect.any(String) } },
    ]);
  });
});

describe('pages → host', () => {
  it('refuses unknown keys in panel requests', () => {
    expect(isTrainingPanelRequest({ type: 'openCheckpoint', run: 'fp' })).toBe(true);
    expect(isTrainingPanelRequest({ type: 'openCheckpoint', run: 'fp', path: '/etc/passwd' })).toBe(false);
    expect(isPanelRequest({ type: 'export' })).toBe(true);
    expect(isPanelRequest({ type: 'export', to: '/tmp/x' })).toBe(false);
  });
});

describe('schemas match the engine types exactly (compile-time: `npm run lint` fails if a line below stops being an error)', () => {
  type Core = { a: number; b?: string; rows: Array<{ c: number | null; d?: boolean }> };
  const row = v.strictObject({ c: v.nullable(v.number()), d: v.optional(v.boolean()) });
  it('accepts the exact schema and refuses every kind of drift', () => {
    const exact = exactly<Core>()(v.strictObject({ a: v.number(), b: v.optional(v.string()), rows: v.array(row) }));
    // @ts-expect-error an optional key of the type is missing: a strict object would refuse every value that has it
    exactly<Core>()(v.strictObject({ a: v.number(), rows: v.array(row) }));
    // @ts-expect-error the same, one level down
    exactly<Core>()(v.strictObject({ a: v.number(), b: v.optional(v.string()), rows: v.array(v.strictObject({ c: v.nullable(v.number()) })) }));
    // @ts-expect-error required where the type leaves it optional
    exactly<Core>()(v.strictObject({ a: v.number(), b: v.string(), rows: v.array(row) }));
    // @ts-expect-error a key the type does not have
    exactly<Core>()(v.strictObject({ a: v.number(), b: v.optional(v.string()), rows: v.array(row), e: v.number() }));
    // @ts-expect-error a required key missing
    exactly<Core>()(v.strictObject({ b: v.optional(v.string()), rows: v.array(row) }));
    // @ts-expect-error not nullable where the type is
    exactly<Core>()(v.strictObject({ a: v.number(), b: v.optional(v.string()), rows: v.array(v.strictObject({ c: v.number(), d: v.optional(v.boolean()) })) }));
    const variantOption = v.strictObject({ a: v.number(), rows: v.array(row) });
    const missing: Matches<typeof variantOption, Core> = false;
    // At run time both accept a value without b: only the compiler sees that the second lacks the key.
    expect([v.is(exact, { a: 1, rows: [{ c: null }] }), v.is(variantOption, { a: 1, rows: [] }), missing]).toEqual([true, true, false]);
  });
});
