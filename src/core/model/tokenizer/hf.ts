/**
 * tokenizer.json (+ tokenizer_config.json) through @huggingface/tokenizers.
 *
 * BOS / EOS policy: what the tokenizer.json post-processor adds, unless
 * tokenizer_config.json sets add_bos_token / add_eos_token, which then decide
 * (as transformers' Llama/Gemma tokenizers rebuild their post-processor from
 * them).
 * Decoding skips special tokens and follows clean_up_tokenization_spaces.
 */
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { BitnetLabError } from '../../errors.js';
import { readConfigJson } from '../../formats/hfBitnet/hfConfig.js';
import { checkIds } from './checkIds.js';
import type { Tokenizer } from './types.js';

/** A special-token entry of tokenizer_config.json: a string or an AddedToken object. */
export function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

export class HfTokenizer implements Tokenizer {
  readonly kind = 'hf' as const;
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly description: string;
  /** Whether encode(…, { addSpecial: true }) starts with BOS / ends with EOS. */
  readonly addsBos: boolean;
  readonly addsEos: boolean;
  /** What the post-processor alone adds (encode corrects for a difference). */
  private readonly postAdds: { bos: boolean; eos: boolean };

  private constructor(
    private readonly lib: HfLibTokenizer,
    readonly json: Record<string, unknown>,
    readonly config: Record<string, unknown>,
    private readonly file: string,
  ) {
    const vocab = lib.get_vocab(true);
    let max = -1;
    for (const id of vocab.values()) max = Math.max(max, id);
    this.vocabSize = max + 1;
    const idOf = (key: string): number | undefined => {
      const t = tokenText(config[key]);
      return t === undefined ? undefined : lib.token_to_id(t);
    };
    // What the post-processor adds around a text, then what tokenizer_config.json asks for;
    // without a config, the tokens the post-processor adds are the BOS / EOS.
    const probe = lib.encode('a').ids;
    const bare = lib.encode('a', { add_special_tokens: false }).ids;
    const added = probe.length > bare.length;
    this.bosId = idOf('bos_token') ?? (added && probe[0] !== bare[0] ? probe[0] : undefined);
    this.eosId = idOf('eos_token') ?? (added && probe.at(-1) !== bare.at(-1) ? probe.at(-1) : undefined);
    this.postAdds = {
      bos: this.bosId !== undefined && probe[0] === this.bosId && bare[0] !== this.bosId,
      eos: this.eosId !== undefined && probe.at(-1) === this.eosId && bare.at(-1) !== this.eosId,
    };
    const wanted = (key: string, post: boolean, id: number | undefined): boolean => id !== undefined && (typeof config[key] === 'boolean' ? (config[key] as boolean) : post);
    this.addsBos = wanted('add_bos_token', this.postAdds.bos, this.bosId);
    this.addsEos = wanted('add_eos_token', this.postAdds.eos, this.eosId);
    const bos = this.addsBos ? `BOS ${JSON.stringify(tokenText(config['bos_token']))} (${this.bosId}) added` : 'no BOS added';
    const model = (json['model'] as { type?: unknown } | undefined)?.type;
    this.description = `tokenizer.json ${file} (@huggingface/tokenizers, ${String(model)} model, ${this.vocabSize} tokens), ${bos}`;
  }

  static async load(tokenizerJson: string, tokenizerConfig?: string): Promise<HfTokenizer> {
    const json = await readConfigJson(tokenizerJson);
    if (!json) throw new BitnetLabError('io', 'no such file', { file: tokenizerJson });
    return HfTokenizer.fromJson(json, tokenizerConfig, tokenizerJson);
  }

  /** From an already parsed tokenizer.json (`file` names it in messages). */
  static async fromJson(json: Record<string, unknown>, tokenizerConfig: string | undefined, file: string): Promise<HfTokenizer> {
    const config = (tokenizerConfig ? await readConfigJson(tokenizerConfig) : undefined) ?? {};
    let lib: HfLibTokenizer;
    try {
      lib = new HfLibTokenizer(json, config);
    } catch (e) {
      throw new BitnetLabError('unsupported', `@huggingface/tokenizers cannot build this tokenizer: ${e instanceof Error ? e.message : String(e)}`, { file });
    }
    return new HfTokenizer(lib, json, config, file);
  }

  encode(text: string, options: { addSpecial?: boolean } = {}): number[] {
    const addSpecial = options.addSpecial ?? true;
    let ids = this.lib.encode(text, { add_special_tokens: addSpecial }).ids;
    if (!addSpecial) return ids;
    if (this.postAdds.bos !== this.addsBos) ids = this.addsBos ? [this.bosId!, ...ids] : ids.slice(1);
    if (this.postAdds.eos !== this.addsEos) ids = this.addsEos ? [...ids, this.eosId!] : ids.slice(0, -1);
    return ids;
  }

  decode(ids: readonly number[]): string {
    checkIds(ids, this.vocabSize, this.file);
    if (ids.length === 0) return '';
    return this.lib.decode([...ids], { skip_special_tokens: true });
  }
}
