/**
 * TensorBoard event files: CRC-32C against RFC 3720 §B.4's published vectors
 * and a masked-CRC known answer; scalars in both forms (simple_value, TF2's
 * tensor) from files written by an independent hand-encoded writer; live
 * tailing of a growing file; and a plain refusal of files that are not events.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from '../../../src/core/runs/crc32c.js';
import { scalarsToPoints } from '../../../src/core/runs/externalMetrics.js';
import { readRun, RunFollower } from '../../../src/core/runs/follow.js';
import { isBitnetLabError } from '../../../src/core/errors.js';
import { tempDir } from '../torchrun/helpers.js';
import { eventBytes, eventFile, frame } from './eventWriter.js';

describe('CRC-32C', () => {
  it('matches RFC 3720 §B.4 and the common check value', () => {
    const buf = new Uint8Array(32);
    expect(crc32c(buf)).toBe(0x8a9136aa);
    expect(crc32c(buf.fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    const iscsiRead = [
      0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0x04, 0,
      0, 0, 0, 0x14, 0, 0, 0, 0x18, 0x28, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0,
    ];
    expect(crc32c(Uint8Array.from(iscsiRead))).toBe(0xd9963a56);
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('masks as TFRecord does (known answer from tfrecord_slow tests/test_masked_crc.py)', () => {
    expect(maskedCrc32c(new TextEncoder().encode('1234567890asdfghjkl'))).toBe(4134599430);
  });
});

describe('event files', () => {
  it('reads simple_value and TF2 tensor scalars, skipping histograms and graphs', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'events.out.tfevents.1700000000.host.1.0'), eventFile([
      { wallTime: 1e9 + 1, graphDef: true },
      { wallTime: 1e9 + 2, step: 10, values: [{ tag: 'train/loss', simple: 2.5 }, { tag: 'weights', histogram: true }] },
      { wallTime: 1e9 + 3, step: 20, values: [{ tag: 'train/loss', tensor: { dtype: 'float', value: 1.25, form: 'val' } }] },
      { wallTime: 1e9 + 4, step: 30, values: [{ tag: 'val/loss', tensor: { dtype: 'float', value: 0.75, form: 'content' } }] },
      { wallTime: 1e9 + 5, step: 2 ** 40, values: [{ tag: 'lr', tensor: { dtype: 'double', value: 3e-4, form: 'content' } }] },
      { wallTime: 1e9 + 6, step: 50, values: [{ tag: 'half', tensor: { dtype: 'half', value: 1.5, halfBits: 0x3e00, form: 'val' } }] },
    ]));
    const r = await readRun(dir);
    expect(r.points).toEqual({});
    expect(r.scalars.map(({ tag, step, value, wallTime }) => ({ tag, step, value, wallTime }))).toEqual([
      { tag: 'train/loss', step: 10, value: 2.5, wallTime: 1e9 + 2 },
      { tag: 'train/loss', step: 20, value: 1.25, wallTime: 1e9 + 3 },
      { tag: 'val/loss', step: 30, value: 0.75, wallTime: 1e9 + 4 },
      { tag: 'lr', step: 2 ** 40, value: 3e-4, wallTime: 1e9 + 5 },
      { tag: 'half', step: 50, value: 1.5, wallTime: 1e9 + 6 },
    ]);
  });

  it('follows a growing file record by record, torn records included, and new files', async () => {
    const dir = tempDir();
    const path = join(dir, 'events.out.tfevents.1.a');
    writeFileSync(path, eventFile([]));
    const f = new RunFollower(dir);
    expect((await f.poll()).scalars).toEqual([]);
    const rec = frame(eventBytes({ wallTime: 5, step: 1, values: [{ tag: 'loss', simple: 4 }] }));
    appendFileSync(path, rec.subarray(0, 10)); // torn inside the header
    expect((await f.poll()).scalars).toEqual([]);
    appendFileSync(path, rec.subarray(10, rec.length - 2)); // torn inside the footer
    expect((await f.poll()).scalars).toEqual([]);
    appendFileSync(path, rec.subarray(rec.length - 2));
    expect((await f.poll()).scalars.map((s) => [s.tag, s.step, s.value])).toEqual([['loss', 1, 4]]);
    writeFileSync(join(dir, 'events.out.tfevents.2.b'), eventFile([{ wallTime: 6, step: 2, values: [{ tag: 'loss', simple: 3 }] }]));
    expect((await f.poll()).scalars.map((s) => [s.step, s.value])).toEqual([[2, 3]]);
    expect((await f.poll()).scalars).toEqual([]);
  });

  it('says plainly when a file is not an event file', async () => {
    const notEvents = async (bytes: Uint8Array | string): Promise<string> => {
      const dir = tempDir();
      writeFileSync(join(dir, 'events.out.tfevents.9.x'), bytes);
      const e = await readRun(dir).catch((x: unknown) => x);
      expect(isBitnetLabError(e)).toBe(true);
      return (e as Error).message;
    };
    expect(await notEvents('{"step": 1, "loss": 2}\n'.repeat(4))).toMatch(/events\.out\.tfevents\.9\.x, byte 0: not a TensorBoard event file/);
    // Valid TFRecord framing, but the first record is no Event with a file version.
    expect(await notEvents(frame(new TextEncoder().encode('just a record')))).toContain('not a TensorBoard event file');
    const good = eventFile([{ wallTime: 1, step: 1, values: [{ tag: 'loss', simple: 1 }] }]);
    good[good.length - 6]! ^= 0xff; // one flipped byte in the last record's data
    expect(await notEvents(good)).toContain('record data checksum does not match');
  });

  it('prefers metrics.jsonl, ours, when a folder has one', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'events.out.tfevents.1.a'), eventFile([{ wallTime: 1, step: 1, values: [{ tag: 'loss', simple: 9 }] }]));
    writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ run: 'bitnet', kind: 'train', step: 1, loss: 2, lr: 1e-3, wd: 0.1 })}\n{"run": "bitnet", "kind": "tr`);
    const r = await readRun(dir);
    expect(r.scalars).toEqual([]);
    expect(r.points.bitnet).toEqual([{ kind: 'train', step: 1, loss: 2, lr: 1e-3, wd: 0.1 }]);
  });
});

describe('external scalars as metric points', () => {
  it('maps common loss / lr tags to train and eval points, NaN where a run logged nothing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'events.out.tfevents.1.a'), eventFile([
      { wallTime: 100, step: 0, values: [{ tag: 'train/learning_rate', simple: 1e-3 }] },
      { wallTime: 101, step: 10, values: [{ tag: 'train/loss', simple: 3 }] },
      { wallTime: 102, step: 20, values: [{ tag: 'train/loss', simple: 2 }, { tag: 'eval/loss', simple: 2.5 }, { tag: 'grad_norm', simple: 7 }] },
      { wallTime: 103, step: 30, values: [{ tag: 'val_acc', simple: 0.5 }] },
    ]));
    const pts = scalarsToPoints((await readRun(dir)).scalars);
    expect(pts.map((p) => [p.kind, p.step])).toEqual([['train', 10], ['train', 20], ['eval', 20], ['eval', 30]]);
    const [t10, , e20, e30] = pts;
    expect(t10).toEqual({ kind: 'train', step: 10, loss: 3, lr: Math.fround(1e-3), wd: NaN });
    expect(e20).toMatchObject({ kind: 'eval', valLoss: 2.5, metricName: 'perplexity', seconds: 2 });
    expect(e20!.kind === 'eval' && e20.valMetric).toBeCloseTo(Math.exp(2.5), 12);
    expect(e30).toMatchObject({ metricName: 'accuracy', valMetric: 0.5 });
  });
});
