// `npm run bench`: every benchmark in this folder, one after another, in one
// process tree, so the ratios they print compare runs on the same machine
// under the same load. Each bench names its backend and CPU.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && f !== 'lib.mjs')
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

console.log(`bitnet-lab benchmarks — ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Node ${process.version}`);
console.log('Shared machines are noisy: read medians and ratios, not single absolute times.\n');
const summaryDir = mkdtempSync(join(os.tmpdir(), 'bitnet-lab-bench-'));
const summary = join(summaryDir, 'ratios.jsonl');
let failed = 0;
for (const b of benches) {
  console.log(`━━ ${b} ━━`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, b)], {
    stdio: 'inherit',
    env: { ...process.env, BITNET_LAB_BENCH_SUMMARY: summary },
  });
  if (r.status !== 0) {
    failed++;
    console.log(`(${b} exited with ${r.status})`);
  }
  console.log('');
}
printSummary();
rmSync(summaryDir, { recursive: true, force: true });
process.exitCode = failed > 0 ? 1 : 0;

/** The headline ratios of this run, each beside the target its issue sets. */
function printSummary() {
  if (!existsSync(summary)) return;
  const rows = readFileSync(summary, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  console.log('━━ ratios of this run (higher is better) ━━');
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const verdict = r.target === undefined ? '' : r.ratio >= r.target ? `  ≥ ${r.target}× ✓` : `  < ${r.target}× ✗`;
    console.log(`${r.name.padEnd(width)}  ${r.ratio.toFixed(2).padStart(7)}× ${r.baseline}${verdict}  [threads ${r.threads}, ${r.backend}]`);
  }
}
