import { BitnetLabError } from '../../errors.js';

/** Every tokenizer refuses ids outside its vocabulary rather than decode them to nothing. */
export function checkIds(ids: readonly number[], vocabSize: number, file?: string): void {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new BitnetLabError('usage', `token id ${id} is outside the vocabulary of ${vocabSize}`, file === undefined ? {} : { file });
    }
  }
}
