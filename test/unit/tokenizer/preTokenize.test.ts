/**
 * Pre-tokenizer splits worked out by hand from the regexes (llama.cpp's own
 * splits are checked on the whole corpus in llamaCpp.test.ts), and the
 * name table.
 */
import { describe, expect, it } from 'vitest';
import { preTokenize, preTokenizerFor } from '../../../src/core/model/tokenizer/preTokenize.js';

describe('pre-tokenizers', () => {
  it('llama3: contractions in any case, letters with one leading non-letter, digits in threes, line breaks kept together', () => {
    expect(preTokenize('llama3', "Hello  world, it's 123456!")).toEqual(['Hello', ' ', ' world', ',', ' it', "'s", ' ', '123', '456', '!']);
    expect(preTokenize('llama3', "I'M (ok)")).toEqual(['I', "'M", ' (', 'ok', ')']);
    expect(preTokenize('llama3', 'a \n\n b')).toEqual(['a', ' \n\n', ' b']);
    expect(preTokenize('llama3', 'x;\n\ny')).toEqual(['x', ';\n\n', 'y']);
  });

  it('gpt2: lower-case contractions only, digit runs whole, a trailing space run stays whole', () => {
    expect(preTokenize('gpt2', "I'M it's")).toEqual(['I', "'", 'M', ' it', "'s"]);
    expect(preTokenize('gpt2', '123456 x  ')).toEqual(['123456', ' x', '  ']);
  });

  it('\\s is Unicode White_Space as in llama.cpp: U+0085 splits, U+FEFF does not', () => {
    // With ECMAScript's \s these would be ['a', ' \u0085', 'b'] and ['a', ' ', '\ufeff', 'b'].
    expect(preTokenize('gpt2', 'a \u0085b')).toEqual(['a', ' ', '\u0085', 'b']);
    expect(preTokenize('gpt2', 'a \ufeffb')).toEqual(['a', ' \ufeff', 'b']);
  });

  it('default: punctuation runs, then GPT-2, then digit runs, then digits in threes', () => {
    expect(preTokenize('default', 'hi!! 1234567')).toEqual(['hi', '!!', ' ', '123', '456', '7']);
  });

  it('names map as llama.cpp maps them, and unknown names are refused', () => {
    expect(preTokenizerFor('llama-bpe')).toBe('llama3');
    expect(preTokenizerFor('gpt-2')).toBe('gpt2');
    expect(preTokenizerFor('')).toBe('default');
    expect(preTokenizerFor('qwen2')).toBeUndefined();
    expect(preTokenizerFor('constructor')).toBeUndefined();
  });
});
