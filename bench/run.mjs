// `npm run bench`: every benchmark in this folder, one after another, in one
// process tree, so the ratios they print compare runs on the same machine
// under the same load. Each bench names its backend and CPU.
import { readdirSync } from 'node:fs';
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
let failed = 0;
for (const b of benches) {
  console.log(`━━ ${b} ━━`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, b)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${b} exited with ${r.status})`);
  }
  console.log('');
}
process.exitCode = failed > 0 ? 1 : 0;
