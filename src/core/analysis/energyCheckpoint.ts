/**
 * The energy model applied to one checkpoint: one streaming analysis pass for
 * the zero share of every linear weight, then energy.ts on those shapes.
 */
import type { CheckpointSource } from '../formats/types.js';
import type { RunOptions } from '../progress.js';
import { TOOL } from '../version.js';
import { analyzeCheckpoint } from './analyze.js';
import { estimateEnergy, type EnergyReport, type ProcessNode } from './energy.js';
import { linearLayersOf } from './linearLayers.js';
import { describeMachine } from './machine.js';

export interface CheckpointEnergyReport extends EnergyReport {
  file: string;
  format: string;
  provenance: { tool: string; machine: string; settings: Record<string, unknown>; createdAt: string; seconds: number };
}

export interface CheckpointEnergyOptions extends RunOptions {
  node?: ProcessNode;
  tokens?: number;
  include?: string[];
  exclude?: string[];
}

export async function energyOfCheckpoint(source: CheckpointSource, options: CheckpointEnergyOptions = {}): Promise<CheckpointEnergyReport> {
  const started = performance.now();
  const analysis = await analyzeCheckpoint(source, {
    method: 'absmean', statsFor: 'quantized', bins: 8, include: options.include, exclude: options.exclude,
    signal: options.signal, onProgress: options.onProgress,
  });
  const layers = linearLayersOf(analysis).map(({ name, out, in: inF, zeroFraction }) => ({ name, out, in: inF, zeroFraction }));
  const energy = estimateEnergy(layers, { node: options.node, tokens: options.tokens });
  return {
    ...energy,
    file: source.path,
    format: source.format,
    provenance: {
      tool: TOOL,
      machine: describeMachine(),
      settings: { node: energy.node, tokens: energy.tokens, method: 'absmean', include: options.include ?? [], exclude: options.exclude ?? [] },
      createdAt: new Date().toISOString(),
      seconds: (performance.now() - started) / 1000,
    },
  };
}
