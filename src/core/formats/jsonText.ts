/**
 * JSON.stringify of values that came from a user's file. JSON.parse in V8 is
 * iterative and accepts any nesting depth, but JSON.stringify recurses and
 * throws a RangeError (stack overflow) past a few thousand levels — a
 * hostile index or config.json must end in a typed error instead (found by
 * fuzzing, test/fuzz).
 */
import { BitnetLabError, type ErrorPlace } from '../errors.js';

export function stringifyFromFile(value: unknown, what: string, place: ErrorPlace): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch (e) {
    const why = e instanceof RangeError ? 'is nested too deeply' : `cannot be rendered (${e instanceof Error ? e.message : String(e)})`;
    throw new BitnetLabError('header', `${what} ${why}`, place);
  }
}
