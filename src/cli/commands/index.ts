/** Every `bitnet-lab` command, in the order `--help` lists them. */
import type { CliCommand } from '../command.js';
import { bench } from './bench.js';
import { compare } from './compare.js';
import { diff } from './diff.js';
import { energy } from './energy.js';
import { evalCommand } from './eval.js';
import { finetune } from './finetune.js';
import { generate } from './generate.js';
import { inspect } from './inspect.js';
import { quantize } from './quantize.js';
import { train } from './train.js';

export const COMMANDS: readonly CliCommand[] = [inspect, quantize, diff, train, finetune, compare, energy, bench, evalCommand, generate];
