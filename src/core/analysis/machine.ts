/** A one-line description of the machine, recorded in every report and benchmark. */
import { cpus } from 'node:os';

export function describeMachine(): string {
  const list = cpus();
  const model = list[0]?.model.trim().replace(/\s+/g, ' ') || 'unknown CPU';
  return `${model} × ${list.length} cores`;
}
