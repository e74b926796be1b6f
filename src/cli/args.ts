/**
 * Argument parsing shared by the commands: node's own parseArgs, with
 * usage mistakes turned into BitnetLabError('usage') so main prints one line.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BitnetLabError } from '../core/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends OptionSpec>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new BitnetLabError('usage', `${command}: ${usageMistake(e as Error & { code?: string })} (see bitnet-lab ${command} --help)`);
  }
}

/** Node's parseArgs messages (several lines, advice about `--`) said in one short line of ours. */
function usageMistake(e: Error & { code?: string }): string {
  const option = /'(-{1,2}[^' <]+)/.exec(e.message)?.[1];
  if (option !== undefined) {
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      if (/does not take an argument/.test(e.message)) return `${option} takes no value`;
      if (/ambiguous/.test(e.message)) return `${option} needs a value (write ${option}=VALUE for one starting with "-")`;
      return `${option} needs a value`;
    }
  }
  return e.message.split('\n')[0]!;
}

/**
 * `--steps -3` → `--steps=-3`: node's parseArgs refuses a value that starts
 * with a dash as "ambiguous", so a negative number would never reach the
 * option's own check and its message ("must be a whole number ≥ 1").
 */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity|NaN)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** A comma-separated or repeated option as a flat list of non-empty strings. */
export function listOption(v: string | boolean | Array<string | boolean> | undefined): string[] {
  if (v === undefined || typeof v === 'boolean') return [];
  const items = Array.isArray(v) ? v : [v];
  return items.flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * A decimal number as people type it: digits, an optional fraction and
 * exponent. Number() alone would also take "0x10", "  5", "" (as 0) and
 * "0b11", which are typos far more often than intent.
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function parseDecimal(v: unknown): number {
  const text = String(v);
  return DECIMAL.test(text) ? Number(text) : NaN;
}

export function intOption(command: string, name: string, v: unknown, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return fallback;
  const n = parseDecimal(v);
  const range = max < Number.MAX_SAFE_INTEGER ? `between ${min} and ${max}` : `≥ ${min}`;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new BitnetLabError('usage', `${command}: --${name} must be a whole number ${range}, got "${String(v)}"`);
  return n;
}

export function numberOption(command: string, name: string, v: unknown, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const n = parseDecimal(v);
  if (!Number.isFinite(n) || n < min) throw new BitnetLabError('usage', `${command}: --${name} must be a number ≥ ${min}, got "${String(v)}"`);
  return n;
}
