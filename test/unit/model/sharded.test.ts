/**
 * Sharded safetensors (model.safetensors.index.json) run exactly like the
 * single file they were split from: same tensors, same logits, bit for bit.
 */
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../src/core/formats/open.js';
import { writeSafetensors } from '../../../src/core/formats/safetensors/index.js';
import { loadCausalLm } from '../../../src/core/model/load.js';
import { hfModel, torchAvailable } from '../../peers/torchModels.js';

describe.runIf(torchAvailable())('sharded checkpoints', () => {
  it('give the logits of the single file', async () => {
    const single = await hfModel('llama');
    const dir = await mkdtemp(join(tmpdir(), 'sharded-llama-'));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) await copyFile(join(single, f), join(dir, f));
    const source = await openCheckpoint(join(single, 'model.safetensors'));
    const weightMap: Record<string, string> = {};
    try {
      const shards: Array<typeof source.tensors[number][]> = [[], []];
      for (const t of source.tensors) shards[t.name.includes('layers.1.') || t.name === 'lm_head.weight' ? 1 : 0]!.push(t);
      for (let s = 0; s < 2; s++) {
        const file = `model-0000${s + 1}-of-00002.safetensors`;
        const tensors = [];
        for (const t of shards[s]!) {
          const parts: Uint8Array[] = [];
          for await (const c of source.rawBytes(t.name)) parts.push(c.slice());
          tensors.push({ name: t.name, dtype: t.dtype, shape: t.shape, data: Buffer.concat(parts) });
          weightMap[t.name] = file;
        }
        await writeSafetensors(join(dir, file), tensors);
      }
    } finally {
      await source.close();
    }
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const tokens = [1, 450, 4996, 17354, 1701, 432];
    const a = (await loadCausalLm(single)).logits(tokens);
    const b = (await loadCausalLm(dir)).logits(tokens);
    expect(b).toEqual(a);
  });
});
