/**
 * The tokenizer of a checkpoint, for eval and generate. Stand-in until the
 * tokenizer engineer's loadTokenizer (src/core/model/tokenizer/load.ts) is on
 * main: callers pass a Tokenizer explicitly, and without one this says so.
 */
import { BitnetLabError } from '../errors.js';
import type { Tokenizer } from './tokenizer/types.js';

export async function tokenizerFor(checkpointPath: string, given?: Tokenizer): Promise<Tokenizer> {
  if (given) return given;
  throw new BitnetLabError('unsupported', 'no tokenizer loader yet: pass a Tokenizer', { file: checkpointPath });
}
