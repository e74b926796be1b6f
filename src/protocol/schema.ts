/**
 * Checking a message on receipt against the valibot schema that also types
 * it (v.InferOutput), with one readable line when it does not fit: which
 * message, where in it, and what was wrong — e.g.
 *   `"start" message from the host: request.options.steps: expected a number, got "5"`.
 */
import * as v from 'valibot';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** What a raw message calls itself, for the error line (its `type`, else its `kind`). */
function nameOf(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return raw === null ? 'null' : typeof raw;
  const m = raw as Record<string, unknown>;
  const t = typeof m.type === 'string' ? m.type : typeof m.kind === 'string' ? m.kind : undefined;
  return t !== undefined ? `"${t.slice(0, 40)}" message` : 'message without a type';
}

function received(issue: v.BaseIssue<unknown>): string {
  if (issue.kind === 'schema' && issue.type === 'strict_object' && issue.expected === 'never') return `unknown key "${String(issue.input)}"`;
  // An object schema reports a required key that is absent as "expected \"key\", got undefined".
  if (issue.kind === 'schema' && issue.type.endsWith('object') && issue.received === 'undefined' && issue.expected?.startsWith('"')) return 'missing';
  // Custom schemas (anyNumber, numbers) say what they expect in their message.
  if (issue.type === 'custom') return issue.message;
  return `expected ${issue.expected ?? 'something else'}, got ${issue.received}`;
}

/** For a union that matched no option, the sub-issue that got furthest into the value. */
function deepest(issue: v.BaseIssue<unknown>): v.BaseIssue<unknown> {
  let best = issue;
  while (best.type === 'union' && best.issues && best.issues.length > 0) {
    best = best.issues.reduce((a, b) => ((b.path?.length ?? 0) > (a.path?.length ?? 0) ? b : a));
  }
  return best;
}

/** `request.options.steps: expected number, got "5"` for the first issue (valibot's dot path). */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0] && deepest(issues[0]);
  if (first === undefined) return 'invalid';
  const path = v.getDotPath(first);
  const rest = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${path ? `${path}: ` : ''}${first.kind === 'validation' ? first.message : received(first)}${rest}`;
}

/** Parse `raw` as `schema`; `from` says where it came from ("from the job process"). */
export function parseMessage<S extends v.GenericSchema>(schema: S, raw: unknown, from: string): Parsed<v.InferOutput<S>> {
  const r = v.safeParse(schema, raw);
  if (r.success) return { ok: true, value: r.output };
  return { ok: false, error: `${nameOf(raw)} ${from}: ${describeIssues(r.issues)}` };
}

/**
 * A picklist whose options the compiler checks against a union type both
 * ways (none missing, none extra), for enumerations whose constant lives in a
 * module the protocol may not load (it must stay importable by the pages).
 */
export function picklistOf<T extends string>() {
  return <const A extends readonly T[]>(options: A & ([T] extends [A[number]] ? unknown : never)): v.PicklistSchema<A, undefined> => v.picklist(options);
}

/**
 * T with every key made required and each optional one's value marked as
 * such, at every depth (arrays by element, unions by member): two types map
 * to mutually assignable ones only when they have the same keys, the same
 * optional ones, and the same value types.
 */
type Filled<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer E)[]
    ? Filled<E>[]
    : T extends object
      ? { [K in keyof T]-?: Partial<Pick<T, K>> extends Pick<T, K> ? [optional: Filled<Exclude<T[K], undefined>>] : Filled<T[K]> }
      : T;

type SameShape<A, B> = [Filled<A>] extends [Filled<B>] ? ([Filled<B>] extends [Filled<A>] ? true : false) : false;

/**
 * `true` when schema S matches T exactly (as `exactly` checks), for schemas
 * that must keep their concrete type (a variant's options):
 * `true satisfies Matches<typeof TrainPointSchema, TrainPoint>;`
 */
export type Matches<S extends v.GenericSchema, T> = SameShape<v.InferOutput<S>, T>;

/**
 * `schema` typed as the engine's type T, which it must match exactly: a
 * `v.GenericSchema<T>` annotation alone rejects a missing or mistyped
 * required field but lets a schema lack one of T's optional keys (a strict
 * object then refuses every value that has it), require a key T leaves
 * optional, or carry a key T does not have. A mismatch is a compile error on the argument, e.g.
 *   exactly<{ a: number; b?: string }>()(v.strictObject({ a: v.number() }))   // error: b is missing
 */
export function exactly<T>() {
  return <S extends v.GenericSchema<T>>(schema: S & (SameShape<v.InferOutput<S>, T> extends true ? unknown : never)): v.GenericSchema<T> => schema;
}

/** Any JavaScript number, NaN and ±Infinity included (statistics and perplexities can be either). */
export const anyNumber = v.custom<number>((x) => typeof x === 'number', 'expected a number');

/**
 * An array of numbers checked in one loop: histograms and shapes are long,
 * and per-element schema calls would cost the host more than the message is worth.
 */
export const numbers = v.custom<number[]>((x) => Array.isArray(x) && x.every((n) => typeof n === 'number'), 'expected an array of numbers');

export const id = v.pipe(v.number(), v.safeInteger());
