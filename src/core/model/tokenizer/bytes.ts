/**
 * Our own byte-level LM's tokenizer: token id = byte value of the UTF-8
 * text (vocabulary 256), no special tokens, no BOS or EOS. Decoding invalid
 * UTF-8 (a generation cut inside a character) gives U+FFFD for those bytes.
 */
import { checkIds } from './checkIds.js';
import type { Tokenizer } from './types.js';

export class ByteTokenizer implements Tokenizer {
  readonly kind = 'bytes' as const;
  readonly vocabSize = 256;
  readonly bosId = undefined;
  readonly eosId = undefined;

  constructor(readonly description: string) {}

  encode(text: string): number[] {
    return [...Buffer.from(text, 'utf8')];
  }

  decode(ids: readonly number[]): string {
    checkIds(ids, this.vocabSize);
    return Buffer.from(ids).toString('utf8');
  }
}
