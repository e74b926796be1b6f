/**
 * Table notes are cut at a word boundary with an ellipsis, never mid-word;
 * tensor names keep both ends (middle ellipsis), as before.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTable, shorten, truncateWords } from '../../../src/cli/format/table.js';
import { cli, tempDir, TINY_LLAMA } from './harness.js';

describe('truncateWords', () => {
  it('ends on a whole word plus "…", within the width', () => {
    const note = 'kept: full precision in this model (declared by the checkpoint)';
    for (let max = 8; max < note.length; max++) {
      const cut = truncateWords(note, max);
      expect(cut.length, cut).toBeLessThanOrEqual(max);
      expect(cut.endsWith('…')).toBe(true);
      const kept = cut.slice(0, -1);
      // what is kept is a prefix of the note that ends where a word ends
      expect(note.startsWith(kept)).toBe(true);
      expect(note[kept.length] === ' ' || /[\s,;:(]/.test(note.slice(kept.length, kept.length + 1)), `${max}: "${cut}"`).toBe(true);
    }
    expect(truncateWords(note, 40)).toBe('kept: full precision in this model…');
    expect(truncateWords('short', 40)).toBe('short');
    expect(truncateWords('supercalifragilistic', 8)).toBe('superca…'); // one long word: cut inside it
  });

  it('tensor names still keep both ends', () => {
    expect(shorten('model.layers.12.self_attn.q_proj.weight', 20)).toBe('model.laye…oj.weight');
  });

  it('the inspect table shows the declared-full-precision note cut at a word', async () => {
    const out = join(tempDir(), 'hf');
    expect((await cli(['quantize', TINY_LLAMA, '-o', out, '--format', 'hf-bitnet'])).code).toBe(0);
    const table = (await cli(['inspect', out])).stdout;
    const head = table.split('\n').find((l) => l.startsWith('lm_head.weight'))!;
    expect(head.trimEnd().endsWith('kept: full precision in this model…'), head).toBe(true);
    const widths = renderTable([{ n: 'a b c d e f' }], [{ title: 'n', value: (r) => r.n, maxWidth: 6, cut: 'words' }]);
    expect(widths.split('\n')[2]).toBe('a b c…');
  });
});
