/**
 * Reading a checkpoint report written by another version of the tool (an
 * exported report, a saved `inspect --json`): version 1 is brought to the
 * current shape, a newer or unknown version is refused with one clear line
 * rather than half-read.
 *
 * 1 → 2: version 1 gave tensors kept in high precision the full ternary
 * statistics, as if they had been quantized. Version 2 keeps only their value
 * range (`distribution`) and leaves `stats` null.
 */
import { BitnetLabError } from '../errors.js';
import { REPORT_SCHEMA_VERSION, type CheckpointReport, type TensorReport, type TensorStats } from './report.js';

export function upgradeReport(json: unknown, file?: string): CheckpointReport {
  const place = file !== undefined ? { file } : {};
  if (json === null || typeof json !== 'object' || !Array.isArray((json as { tensors?: unknown }).tensors)) {
    throw new BitnetLabError('header', 'not a BitNet Lab checkpoint report (no tensors list)', place);
  }
  const version = (json as { schemaVersion?: unknown }).schemaVersion;
  if (version === REPORT_SCHEMA_VERSION) return json as CheckpointReport;
  if (version === 1) {
    const v1 = json as CheckpointReport;
    return { ...v1, schemaVersion: REPORT_SCHEMA_VERSION, tensors: v1.tensors.map(upgradeTensor) };
  }
  if (typeof version === 'number' && version > REPORT_SCHEMA_VERSION) {
    throw new BitnetLabError('unsupported', `report schema ${version} is newer than this bitnet-lab reads (${REPORT_SCHEMA_VERSION}); update bitnet-lab`, place);
  }
  throw new BitnetLabError('header', `unknown report schema version ${JSON.stringify(version)}`, place);
}

function upgradeTensor(t: TensorReport): TensorReport {
  if (t.quantized || t.stats === null) return t;
  const s: TensorStats = t.stats;
  return { ...t, stats: null, distribution: { min: s.min, max: s.max, mean: s.mean, std: s.std, nonFinite: s.nonFinite } };
}
