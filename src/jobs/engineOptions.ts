/**
 * Reading the loosely typed `options` of engine job requests (they come from
 * command arguments and settings). Wrong types are usage errors, never a
 * silent default.
 */
import { BitnetLabError } from '../core/errors.js';

type Opts = Record<string, unknown>;

export function str(o: Opts, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BitnetLabError('usage', `option "${key}" must be a string`);
  return v;
}

export function num(o: Opts, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BitnetLabError('usage', `option "${key}" must be a finite number`);
  return v;
}

export function strings(o: Opts, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new BitnetLabError('usage', `option "${key}" must be a list of strings`);
  return v as string[];
}

export function oneOf<T extends string>(o: Opts, key: string, allowed: readonly T[]): T | undefined {
  const v = str(o, key);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new BitnetLabError('usage', `option "${key}" must be one of ${allowed.join(', ')} (got "${v}")`);
  return v as T;
}
