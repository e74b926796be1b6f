/**
 * The energy panel's message contract (webview side): the same shape as the
 * diff panel's — `report` (a CheckpointEnergyReport), `progress`, `error` in;
 * `ready` and `export` out — plus an initial JSON script tag for a static page.
 */
import type { CheckpointEnergyReport } from '../../../src/core/analysis/energyCheckpoint.js';
import { embeddedReport } from '../shared/embeddedReport.js';

export const ENERGY_REPORT_ELEMENT_ID = 'bitnet-energy-report';

export type EnergyPanelMessage =
  | { type: 'report'; report: CheckpointEnergyReport }
  | { type: 'progress'; done: number; total: number; label?: string }
  | { type: 'error'; message: string };

export type EnergyPanelRequest = { type: 'ready' } | { type: 'export' };

export function isEnergyReport(v: unknown): v is CheckpointEnergyReport {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<CheckpointEnergyReport>;
  return typeof r.file === 'string' && typeof r.node === 'string' && Array.isArray(r.totals) && Array.isArray(r.layers);
}

export function initialEnergy(doc: Document = document): CheckpointEnergyReport | undefined {
  return embeddedReport(ENERGY_REPORT_ELEMENT_ID, isEnergyReport, doc);
}
