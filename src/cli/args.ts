/**
 * Argument parsing shared by the commands: node's own parseArgs, with
 * usage mistakes turned into BitnetLabError('usage') so main prints one line.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BitnetLabError } from '../core/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends OptionSpec>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new BitnetLabError('usage', `${command}: ${(e as Error).message} (see bitnet-lab ${command} --help)`);
  }
}

/** A comma-separated or repeated option as a flat list of non-empty strings. */
export function listOption(v: string | boolean | Array<string | boolean> | undefined): string[] {
  if (v === undefined || typeof v === 'boolean') return [];
  const items = Array.isArray(v) ? v : [v];
  return items.flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

export function intOption(command: string, name: string, v: unknown, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new BitnetLabError('usage', `${command}: --${name} must be a whole number ≥ ${min}, got "${String(v)}"`);
  return n;
}

export function numberOption(command: string, name: string, v: unknown, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new BitnetLabError('usage', `${command}: --${name} must be a number ≥ ${min}, got "${String(v)}"`);
  return n;
}
