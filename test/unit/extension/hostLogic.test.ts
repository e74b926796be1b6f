import { describe, expect, it, vi } from 'vitest';
import { analysisCacheKey, LruCache, type FileStamp } from '../../../src/extension/analysisCache.js';
import { groupOf, groupTensorNames, OTHER_GROUP } from '../../../src/extension/layerGroups.js';
import { automaticRestartDelay, DEFAULT_RESTART_POLICY } from '../../../src/jobs/restartPolicy.js';
import { JobTracker } from '../../../src/extension/jobTracker.js';
import { RowStreamer } from '../../../src/extension/inspector/rowStreamer.js';
import type { AnalysisSettings } from '../../../src/protocol/inspector.js';

const settings: AnalysisSettings = { method: 'absmean', include: [], exclude: [], backend: 'auto' };
const a: FileStamp = { path: '/m/a.safetensors', size: 100, mtimeMs: 1 };
const b: FileStamp = { path: '/m/b.safetensors', size: 200, mtimeMs: 2 };

describe('analysis cache key', () => {
  it('ignores file order and pattern order but not their content', () => {
    const s1 = { ...settings, include: ['x', 'y'] };
    const s2 = { ...settings, include: ['y', 'x', 'x'] };
    expect(analysisCacheKey([a, b], s1)).toBe(analysisCacheKey([b, a], s2));
  });

  it('changes with size, mtime, any shard, method, patterns and backend', () => {
    const base = analysisCacheKey([a, b], settings);
    const variants = [
      analysisCacheKey([{ ...a, size: 101 }, b], settings),
      analysisCacheKey([{ ...a, mtimeMs: 1.5 }, b], settings),
      analysisCacheKey([a, { ...b, mtimeMs: 3 }], settings),
      analysisCacheKey([a], settings),
      analysisCacheKey([a, b], { ...settings, method: 'median' }),
      analysisCacheKey([a, b], { ...settings, exclude: ['lm_head*'] }),
      analysisCacheKey([a, b], { ...settings, include: ['*.weight'] }),
      analysisCacheKey([a, b], { ...settings, backend: 'wasm' }),
    ];
    for (const v of variants) expect(v).not.toBe(base);
    expect(new Set(variants).size).toBe(variants.length);
  });
});

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const c = new LruCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
    expect(c.size).toBe(2);
  });
  it('rejects a size below one', () => {
    expect(() => new LruCache(0)).toThrow(RangeError);
  });
});

describe('layer groups from tensor names', () => {
  it('splits HF and GGUF names at the first block index', () => {
    expect(groupOf('model.layers.12.mlp.up_proj.weight')).toEqual({ group: 'model.layers.12', index: 12, rest: 'mlp.up_proj.weight' });
    expect(groupOf('blk.3.attn_q.weight')).toEqual({ group: 'blk.3', index: 3, rest: 'attn_q.weight' });
    expect(groupOf('model.layers.2.block_sparse_moe.experts.7.w1.weight').group).toBe('model.layers.2');
    expect(groupOf('token_embd.weight')).toEqual({ group: OTHER_GROUP, index: undefined, rest: 'token_embd.weight' });
    // A trailing number is not a block: nothing would be left inside the group.
    expect(groupOf('scales.0').group).toBe(OTHER_GROUP);
  });

  it('orders blocks numerically, keeps tensors in checkpoint order, puts non-layer tensors first', () => {
    const names = [
      'model.embed_tokens.weight',
      'model.layers.10.mlp.up_proj.weight',
      'model.layers.2.self_attn.q_proj.weight',
      'model.layers.2.mlp.up_proj.weight',
      'model.norm.weight',
      'lm_head.weight',
      'model.layers.10.input_layernorm.weight',
    ];
    const groups = groupTensorNames(names);
    expect(groups.map((g) => g.key)).toEqual([OTHER_GROUP, 'model.layers.2', 'model.layers.10']);
    expect(groups[0]!.tensors).toEqual(['model.embed_tokens.weight', 'model.norm.weight', 'lm_head.weight']);
    expect(groups[1]!.tensors).toEqual(['model.layers.2.self_attn.q_proj.weight', 'model.layers.2.mlp.up_proj.weight']);
    expect(groups.flatMap((g) => g.tensors).sort()).toEqual([...names].sort());
  });

  it('keeps encoder and decoder stacks apart', () => {
    const groups = groupTensorNames(['decoder.layers.0.w', 'encoder.layers.1.w', 'encoder.layers.0.w']);
    expect(groups.map((g) => g.key)).toEqual(['decoder.layers.0', 'encoder.layers.0', 'encoder.layers.1']);
  });
});

describe('job process restart policy', () => {
  const now = 1_000_000;
  it('restarts at once after a single crash and backs off after repeated ones', () => {
    expect(automaticRestartDelay([now], now)).toBe(0);
    expect(automaticRestartDelay([now - 10, now], now)).toBe(DEFAULT_RESTART_POLICY.baseDelayMs);
    expect(automaticRestartDelay([now - 20, now - 10, now], now)).toBe(DEFAULT_RESTART_POLICY.baseDelayMs * 4);
  });
  it('waits for the user after too many crashes in the window', () => {
    const crashes = Array.from({ length: DEFAULT_RESTART_POLICY.maxCrashesInWindow }, (_, i) => now - i);
    expect(automaticRestartDelay(crashes, now)).toBe('wait-for-user');
  });
  it('forgets crashes older than the window', () => {
    const old = Array.from({ length: 10 }, (_, i) => now - DEFAULT_RESTART_POLICY.windowMs - 1 - i);
    expect(automaticRestartDelay([...old, now], now)).toBe(0);
  });
  it('never waits longer than the cap', () => {
    const policy = { ...DEFAULT_RESTART_POLICY, maxCrashesInWindow: 100 };
    const crashes = Array.from({ length: 20 }, (_, i) => now - i);
    expect(automaticRestartDelay(crashes, now, policy)).toBe(policy.maxDelayMs);
  });
});

describe('JobTracker', () => {
  it('tracks status, progress and cancellation; finished jobs cannot be cancelled', () => {
    const t = new JobTracker(50, () => 0);
    const cancel = vi.fn();
    const changes = vi.fn();
    t.onDidChange(changes);
    const job = t.add('analyze', 'a.safetensors', cancel);
    t.progress(job.id, 25, 100, 'tensor x');
    expect(t.get(job.id)).toMatchObject({ status: 'running', fraction: 0.25, progressLabel: 'tensor x' });
    expect(t.cancel(job.id)).toBe(true);
    expect(cancel).toHaveBeenCalledOnce();
    t.finish(job.id, 'cancelled', 'by user');
    expect(t.cancel(job.id)).toBe(false);
    t.finish(job.id, 'done'); // a late result does not overwrite the outcome
    expect(t.get(job.id)?.status).toBe('cancelled');
    expect(changes).toHaveBeenCalledTimes(3);
  });
  it('lists newest first and forgets the oldest finished jobs beyond the limit, never running ones', () => {
    const t = new JobTracker(2);
    const running = t.add('train', 'run');
    const ids = [1, 2, 3, 4].map((i) => t.add('analyze', `f${i}`).id);
    for (const id of ids) t.finish(id, 'done');
    expect(t.list().map((j) => j.label)).toEqual(['f4', 'f3', 'run']);
    expect(t.get(running.id)?.status).toBe('running');
  });
});

describe('RowStreamer', () => {
  it('sends at most one batch per interval, bounded in size, and flushes everything on demand', () => {
    vi.useFakeTimers();
    try {
      let clock = 0;
      const sent: number[][] = [];
      const s = new RowStreamer<number>((rows) => sent.push(rows), 100, 3, () => clock);
      s.push([1, 2, 3, 4, 5]);
      vi.advanceTimersByTime(0);
      expect(sent).toEqual([[1, 2, 3]]);
      clock = 50;
      vi.advanceTimersByTime(50);
      expect(sent.length).toBe(1); // not before the interval has passed
      clock = 100;
      vi.advanceTimersByTime(50);
      expect(sent).toEqual([[1, 2, 3], [4, 5]]);
      s.push([6, 7, 8, 9]);
      s.flush();
      expect(sent.slice(2)).toEqual([[6, 7, 8], [9]]);
      s.push([10]);
      s.clear();
      vi.advanceTimersByTime(1000);
      expect(sent.flat()).not.toContain(10);
    } finally {
      vi.useRealTimers();
    }
  });
});
