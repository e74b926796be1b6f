/**
 * Agreement with PyTorch: the safetensors fixtures written by
 * scripts/fixtures/make_torch_fixtures.py come with per-tensor figures that
 * PyTorch computed in float64 (mean|W|, ΣW, min, max, and the absmean ternary
 * counts with torch.round). Our streaming analysis, reading the files with the
 * safetensors reader, must reproduce them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCheckpoint } from '../../../src/core/analysis/analyze.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/index.js';

const dir = join(__dirname, '../../fixtures/torch');

interface RefTensor {
  meanAbs?: number;
  sum?: number;
  min?: number;
  max?: number;
  ternary?: { minus: number; zeros: number; plus: number };
  shape: number[];
}
const reference = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { files: Record<string, { tensors: Record<string, RefTensor> }> };

describe('analysis agrees with PyTorch on the committed fixtures', () => {
  for (const [file, { tensors }] of Object.entries(reference.files)) {
    it(file, async () => {
      const source = await openSafetensors(join(dir, file));
      try {
        const report = await analyzeCheckpoint(source, { method: 'absmean', chunkElements: 1000 });
        let checked = 0;
        for (const t of report.tensors) {
          const ref = tensors[t.name];
          if (!ref?.ternary) continue;
          expect(t.error).toBeUndefined();
          if (!t.quantized) {
            // Kept in high precision: the value range only, no ternary figures (schema 2).
            expect(t.stats).toBeNull();
            expect(t.distribution!.min).toBe(ref.min);
            expect(t.distribution!.max).toBe(ref.max);
            expect(t.distribution!.mean * t.params).toBeCloseTo(ref.sum!, 9);
            checked++;
            continue;
          }
          const s = t.stats!;
          expect({ name: t.name, zeros: s.zeros, plus: s.plus, minus: s.minus }).toEqual({ name: t.name, ...ref.ternary });
          expect(s.gamma).toBeCloseTo(Math.max(ref.meanAbs!, 1e-5), 12);
          expect(s.min).toBe(ref.min);
          expect(s.max).toBe(ref.max);
          expect(s.mean * t.params).toBeCloseTo(ref.sum!, 9);
          checked++;
        }
        expect(checked).toBeGreaterThan(0);
      } finally {
        await source.close();
      }
    });
  }
});
