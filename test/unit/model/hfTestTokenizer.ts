/**
 * A Tokenizer over a folder's tokenizer.json for the model tests, through
 * @huggingface/tokenizers (the library the real loader uses). A stand-in
 * until loadTokenizer (src/core/model/tokenizer/load.ts) is on main.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import type { Tokenizer } from '../../../src/core/model/tokenizer/types.js';

export async function hfTestTokenizer(folder: string): Promise<Tokenizer> {
  const json = JSON.parse(await readFile(join(folder, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(await readFile(join(folder, 'tokenizer_config.json'), 'utf8'));
  const tok = new HfTokenizer(json, config);
  return {
    kind: 'hf',
    vocabSize: Object.keys(json.model.vocab).length,
    bosId: tok.token_to_id('<s>'),
    eosId: tok.token_to_id('</s>'),
    description: `test tokenizer.json in ${folder}`,
    encode: (text, options) => tok.encode(text, { add_special_tokens: options?.addSpecial ?? true }).ids,
    decode: (ids) => tok.decode([...ids], { skip_special_tokens: true }),
  };
}
