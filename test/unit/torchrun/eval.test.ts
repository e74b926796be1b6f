/**
 * A torchrun checkpoint runs in bitnet-lab's model runtime: `eval` (the
 * runtime's evaluateText, our own kernels) scores the very validation windows
 * the PyTorch script scored, and gets the script's validation loss — the
 * ternary mode (W1.58A8 on the BitNet run's weights) against the BitNet run,
 * fp against the full-precision twin. Three implementations, one number.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSafetensors } from '../../../src/core/formats/safetensors/index.js';
import { evaluateText } from '../../../src/core/model/eval.js';
import { loadTokenizer } from '../../../src/core/model/tokenizer/load.js';
import { parseMetricsLines } from '../../../src/core/nn/metricsFile.js';
import { trainTorchrun } from '../../../src/core/nn/torchrun/engine.js';
import { TORCH_PYTHON, torchAvailable } from '../../peers/torch.js';
import { CORPUS, smallLm, tempDir } from './helpers.js';

/** The validation windows (context + 1 bytes each) of the run folder's data file, back to back. */
async function validationText(dir: string, context: number): Promise<string> {
  const f = await openSafetensors(join(dir, 'data.safetensors'));
  try {
    const read = async (name: string): Promise<Uint8Array> => {
      const parts: Uint8Array[] = [];
      for await (const c of f.rawBytes(name)) parts.push(Uint8Array.from(c));
      return Buffer.concat(parts);
    };
    const val = await read('val_tokens');
    const starts = new Int32Array(Uint8Array.from(await read('val_windows')).buffer);
    return [...starts].map((s) => Buffer.from(val.subarray(s, s + context + 1)).toString('latin1')).join('');
  } finally {
    await f.close();
  }
}

describe.skipIf(!torchAvailable())('eval on a torchrun checkpoint', () => {
  it('gives the validation loss the script logged (ternary for BitNet, fp for FP)', async () => {
    const dir = tempDir();
    // ASCII only, so each byte is one character and the windows survive the string round trip.
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, readFileSync(CORPUS, 'latin1').replace(/[^\x20-\x7e\n]/g, ''));
    const c = { ...smallLm(10), data: corpus };
    const out = join(dir, 'run');
    await trainTorchrun(c, { out, python: TORCH_PYTHON, topology: { nprocPerNode: 2, nnodes: 1, nodeRank: 0 } });
    const runs = parseMetricsLines(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).runs;
    const finalVal = (run: 'bitnet' | 'fp'): number => {
      const p = runs[run]!.filter((x) => x.kind === 'eval').pop()!;
      return p.kind === 'eval' ? p.valLoss : NaN;
    };
    const text = await validationText(out, c.lm.context);
    for (const [run, mode] of [['bitnet', 'ternary'], ['fp', 'fp']] as const) {
      const ckpt = join(out, `${run}.safetensors`);
      const r = await evaluateText(ckpt, text, { context: c.lm.context + 1, modes: [mode], tokenizer: await loadTokenizer(ckpt) });
      const nll = r.results[mode]!.nll;
      console.log(`${run}: script val loss ${finalVal(run).toFixed(6)}, runtime ${mode} NLL ${nll.toFixed(6)} over ${r.windows} windows`);
      expect(Math.abs(nll - finalVal(run)) / finalVal(run)).toBeLessThan(1e-3);
    }
  }, 240_000);
});
