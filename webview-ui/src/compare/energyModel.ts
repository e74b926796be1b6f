/** Parts of an energy report's model that the comparison and energy panels both show. */
import type { EnergyReport } from '../../../src/core/analysis/energy.js';
import { el, table } from './dom.js';

/** Per-operation energies (pJ) the estimate uses. */
export function opEnergyTable(e: EnergyReport): HTMLTableElement {
  return table(['', 'add', 'multiply'], [
    ['FP32', String(e.table.fp32.add), String(e.table.fp32.mul)],
    ['FP16', String(e.table.fp16.add), String(e.table.fp16.mul)],
    ['INT8', String(e.table.int8.add), String(e.table.int8.mul)],
  ]);
}

/** The formula of each format, the paper's headline ratio and the report's notes. */
export function appendFormulasAndHeadline(parent: HTMLElement, e: EnergyReport): void {
  parent.appendChild(el('h3', undefined, 'Formulas'));
  for (const f of ['fp32', 'fp16', 'int8', 'ternary'] as const) {
    const line = el('div', 'cmp-formula');
    line.appendChild(el('b', undefined, f === 'ternary' ? 'ternary' : f.toUpperCase()));
    line.appendChild(document.createTextNode(e.formulas[f]));
    parent.appendChild(line);
  }
  parent.appendChild(el('p', 'cmp-line', `Paper headline at ${e.headline.node}: ${e.headline.formula} = ${e.headline.ratio.toFixed(2)}×.`));
  for (const n of e.notes) parent.appendChild(el('p', 'cmp-note', n));
}
