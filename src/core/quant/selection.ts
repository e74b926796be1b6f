/**
 * Which tensors BitNet quantizes. BitLinear replaces the linear layers of
 * attention and the MLP; embeddings, norms, biases and the output head stay
 * in high precision (bitnet-reference.md §0, §7; FAQ §3). The decision is made
 * from the tensor's name, dims and dtype, with defaults for Llama / BitNet /
 * GPT-2 / GPT-NeoX / GGUF names, overridable by user patterns.
 *
 * Shape: a weight with ≥ 2 dims is treated as a matrix [out, in] with
 * in = the last dim and out = the product of the others (PyTorch Linear and
 * conv weights are stored output-first; flattening the rest into `out` keeps
 * rows contiguous). GGUF shapes are already reversed to this order by the reader.
 *
 * Patterns (--include / --exclude, and the bitnetLab.include / exclude settings):
 *   - a module name, as in Hugging Face's quantization_config.modules_to_not_convert:
 *     a pattern without `*`, `?` or slashes names whole dot-separated parts of
 *     the tensor name, anywhere in it. `down_proj`, `mlp.down_proj`,
 *     `model.layers.0` and `lm_head` all work; `layers.1` does not reach
 *     `layers.10`, and `proj` does not reach `down_proj` (write `*proj*` for that).
 *     A trailing dot (`model.layers.0.`, as some configs write it) is ignored.
 *   - a simple glob: `*` matches any run of characters (dots included), `?`
 *     one character; everything else is literal. No `**`, no character classes.
 *     Matched against the whole tensor name or its module name (the name
 *     without the last part): `*q_proj*`, `model.layers.0.*`, `model.layers.*.mlp.down_proj`.
 *   - a regular expression written /…/ or /…/flags, searched anywhere in the name.
 * Precedence: --exclude beats --include, which beats the name defaults. An
 * include cannot make a 1-D tensor or an integer tensor quantizable.
 */
import { BitnetLabError } from '../errors.js';
import type { TensorEntry } from '../formats/types.js';

export interface SelectionOptions {
  include?: readonly string[];
  exclude?: readonly string[];
  /**
   * Tensors the checkpoint itself declares full precision (see
   * declaredFullPrecision): the model was built with them unquantized, so by
   * default we report them as kept. --include still overrides.
   */
  fullPrecision?: Iterable<string>;
}

/** Metadata key our training runs write: a JSON array of the linear weights the architecture keeps in full precision. */
export const FULL_PRECISION_METADATA_KEY = 'bitnet_lab.full_precision';

/**
 * Names a checkpoint declares full precision: our training runs list them
 * under FULL_PRECISION_METADATA_KEY; HF BitNet configs name modules in
 * quantization_config.modules_to_not_convert (their weight is `<module>.weight`).
 * Malformed entries are ignored: this only changes a default.
 */
export function declaredFullPrecision(metadata: Readonly<Record<string, string>>): Set<string> {
  const names = new Set<string>();
  const own = parseJson(metadata[FULL_PRECISION_METADATA_KEY]);
  if (Array.isArray(own)) for (const n of own) if (typeof n === 'string') names.add(n);
  const qc = parseJson(metadata['config.quantization_config']);
  const modules = qc !== null && typeof qc === 'object' ? (qc as Record<string, unknown>)['modules_to_not_convert'] : undefined;
  if (Array.isArray(modules)) for (const m of modules) if (typeof m === 'string') names.add(`${m}.weight`);
  return names;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface SelectionDecision {
  quantized: boolean;
  reason: string;
}

export type NameMatcher = (name: string) => boolean;

/** Compile a user pattern (see the file comment); a malformed /regex/ is a usage error. */
export function compilePattern(pattern: string): NameMatcher {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (re) {
    try {
      const rx = new RegExp(re[1]!, re[2]!.replace(/[gy]/g, ''));
      return (name) => rx.test(name);
    } catch (e) {
      throw new BitnetLabError('usage', `bad pattern ${pattern}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!/[*?]/.test(pattern)) return moduleMatcher(pattern);
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const rx = new RegExp(`^${body}$`, 's');
  return (name) => rx.test(name) || rx.test(moduleOf(name));
}

/** `model.layers.0.mlp.down_proj.weight` → `model.layers.0.mlp.down_proj`. */
function moduleOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** True when the pattern's dot-separated parts occur as consecutive whole parts of the name. */
function moduleMatcher(pattern: string): NameMatcher {
  const want = pattern.replace(/\.+$/, '');
  if (want.length === 0) return () => false;
  return (name) => {
    for (let at = name.indexOf(want); at >= 0; at = name.indexOf(want, at + 1)) {
      const end = at + want.length;
      if ((at === 0 || name[at - 1] === '.') && (end === name.length || name[end] === '.')) return true;
    }
    return false;
  };
}

/**
 * The user patterns that select no tensor of the checkpoint: almost always a
 * typo or a name from another architecture, worth a warning since the run
 * otherwise silently does what the user did not ask.
 */
export function unmatchedPatterns(names: Iterable<string>, options: Pick<SelectionOptions, 'include' | 'exclude'>): { include: string[]; exclude: string[] } {
  const pending = (list: readonly string[] | undefined) => (list ?? []).map((p) => ({ p, m: compilePattern(p), hit: false }));
  const inc = pending(options.include);
  const exc = pending(options.exclude);
  const all = [...inc, ...exc];
  if (all.length === 0) return { include: [], exclude: [] };
  let left = all.length;
  for (const name of names) {
    for (const e of all) {
      if (!e.hit && e.m(name)) {
        e.hit = true;
        left--;
      }
    }
    if (left === 0) break;
  }
  return { include: inc.filter((e) => !e.hit).map((e) => e.p), exclude: exc.filter((e) => !e.hit).map((e) => e.p) };
}

/**
 * One warning line per pattern that matches nothing (none when all match),
 * worded for where the patterns came from: the CLI's flags (`--exclude foo`)
 * by default, or the extension's settings (`setting bitnetLab.exclude: "foo"`).
 */
export function unmatchedPatternWarnings(names: Iterable<string>, options: Pick<SelectionOptions, 'include' | 'exclude'>, from: PatternSource = 'flags'): string[] {
  const u = unmatchedPatterns(names, options);
  const said = (kind: 'include' | 'exclude', p: string): string =>
    from === 'flags' ? `--${kind} ${p} matches no tensor of this checkpoint` : `setting bitnetLab.${kind}: "${p}" matches no tensor of this checkpoint`;
  return [...u.include.map((p) => said('include', p)), ...u.exclude.map((p) => said('exclude', p))];
}

/** Where include/exclude patterns were given: command-line flags or the extension's settings. */
export type PatternSource = 'flags' | 'settings';

/**
 * Dtypes whose values are ids, masks or counts rather than weights. Everything
 * else (F32, F16, BF16, F8_*, and GGUF block types such as Q8_0 or Q4_K,
 * which decode to real values) is a candidate weight.
 */
const NON_WEIGHT_DTYPES = new Set(['BOOL', 'U8', 'I8', 'U16', 'I16', 'U32', 'I32', 'U64', 'I64']);

/** Name segment rules: checked on the dot-separated parts of a lower-cased name. */
const EMBEDDING_SEGMENTS = new Set([
  'embed_tokens', 'wte', 'wpe', 'token_embd', 'tok_embeddings', 'embed_in', 'word_embeddings',
  'position_embeddings', 'token_type_embeddings', 'embed_positions', 'pos_embd', 'embeddings', 'embedding', 'shared',
]);
const HEAD_SEGMENTS = new Set(['lm_head', 'embed_out']);

/** True for a name segment that is a normalisation layer (LayerNorm, RMSNorm, BitNet sub-norms). */
function isNormSegment(s: string): boolean {
  return (
    s.includes('norm') ||          // layernorm, rmsnorm, input_layernorm, attn_sub_norm, ffn_norm, output_norm, ln (GPT-NeoX final_layer_norm)
    /^ln(_|\d|$)/.test(s) ||       // GPT-2 ln_1, ln_2, ln_f; ln1
    /_ln$/.test(s)                 // 1bitLLM inner_attn_ln
  );
}

/** The default decision from the name alone, or undefined when the name says "linear weight". */
function nameRule(name: string): string | undefined {
  const lower = name.toLowerCase();
  const segments = lower.split('.');
  const last = segments[segments.length - 1]!;
  if (last === 'bias' || last.endsWith('_bias')) return 'bias';
  if (last.includes('scale')) return 'quantization scale'; // weight_scale, scales, …
  if (segments.some((s) => HEAD_SEGMENTS.has(s)) || lower === 'output.weight' || lower === 'output') return 'output head';
  if (segments.some((s) => EMBEDDING_SEGMENTS.has(s) || s.endsWith('_embeddings') || s.endsWith('_embd'))) return 'embedding';
  if (segments.some(isNormSegment)) return 'norm';
  if (segments.some((s) => s === 'rope_freqs' || s === 'inv_freq' || s.includes('rotary'))) return 'rotary table';
  return undefined;
}

export class TensorSelector {
  private readonly includes: NameMatcher[];
  private readonly excludes: NameMatcher[];
  private readonly fullPrecision: ReadonlySet<string>;

  constructor(options: SelectionOptions = {}) {
    this.includes = (options.include ?? []).map(compilePattern);
    this.excludes = (options.exclude ?? []).map(compilePattern);
    this.fullPrecision = new Set(options.fullPrecision ?? []);
  }

  decide(t: Pick<TensorEntry, 'name' | 'dtype' | 'shape' | 'ternary'>): SelectionDecision {
    if (this.excludes.some((m) => m(t.name))) return { quantized: false, reason: 'excluded by --exclude' };
    if (t.ternary) return { quantized: true, reason: `stored ternary (${t.ternary.packing})` };
    if (t.shape.length < 2) return { quantized: false, reason: t.shape.length === 0 ? 'scalar' : '1-D' };
    if (NON_WEIGHT_DTYPES.has(t.dtype.toUpperCase())) return { quantized: false, reason: `${t.dtype} values (not float weights)` };
    if (this.includes.some((m) => m(t.name))) return { quantized: true, reason: 'included by --include' };
    if (this.fullPrecision.has(t.name)) return { quantized: false, reason: 'full precision in this model (declared by the checkpoint)' };
    const rule = nameRule(t.name);
    if (rule !== undefined) return { quantized: false, reason: rule };
    return { quantized: true, reason: 'linear weight' };
  }
}

/** One-off decision with default rules (or the given patterns). */
export function selectTensor(t: Pick<TensorEntry, 'name' | 'dtype' | 'shape' | 'ternary'>, options?: SelectionOptions): SelectionDecision {
  return new TensorSelector(options).decide(t);
}

/** [out, in] view of a logical shape: in = last dim, out = product of the rest (1 for 1-D). */
export function matrixDims(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 0) return { rows: 1, cols: 1 };
  const cols = shape[shape.length - 1]!;
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i]!;
  return { rows, cols };
}
