/**
 * The --method / --include / --exclude options of the commands that pick and
 * ternarize tensors (inspect, quantize, diff), parsed the same way everywhere.
 */
import { BitnetLabError } from '../core/errors.js';
import { isQuantMethod, QUANT_METHODS, type QuantMethod } from '../core/quant/types.js';
import { listOption, type OptionSpec } from './args.js';

export const QUANT_SELECTION_OPTIONS = {
  method: { type: 'string', default: 'absmean' },
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
} as const satisfies OptionSpec;

type OptionValue = string | boolean | Array<string | boolean> | undefined;

export interface QuantSelection {
  method: QuantMethod;
  include: string[];
  exclude: string[];
}

export function quantSelection(command: string, values: { method?: OptionValue; include?: OptionValue; exclude?: OptionValue }): QuantSelection {
  const method = String(values.method);
  if (!isQuantMethod(method)) throw new BitnetLabError('usage', `${command}: unknown --method "${method}" (choose ${QUANT_METHODS.join(', ')})`);
  return { method, include: listOption(values.include), exclude: listOption(values.exclude) };
}
