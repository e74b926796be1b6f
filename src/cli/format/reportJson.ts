/**
 * `inspect --json` output, written piece by piece. JSON.stringify of a whole
 * report is one string, and for checkpoints with hundreds of thousands of
 * tensors that string is longer than V8 allows; writing the tensors one at a
 * time produces the same bytes as JSON.stringify(report) without ever
 * holding them all.
 */
import type { CheckpointReport } from '../../core/analysis/report.js';

export function writeReportJson(report: CheckpointReport, write: (text: string) => void): void {
  const keys = Object.keys(report) as Array<keyof CheckpointReport>;
  write('{');
  keys.forEach((key, k) => {
    const value = report[key];
    if (value === undefined) return;
    write(`${k > 0 ? ',' : ''}${JSON.stringify(key)}:`);
    if (key !== 'tensors') {
      write(JSON.stringify(value));
      return;
    }
    // Tensors are gathered into ~64 KB pieces: one write per tensor costs more than the JSON itself.
    let piece = '[';
    report.tensors.forEach((t, i) => {
      piece += `${i > 0 ? ',' : ''}${JSON.stringify(t)}`;
      if (piece.length >= 1 << 16) {
        write(piece);
        piece = '';
      }
    });
    write(`${piece}]`);
  });
  write('}\n');
}
