/**
 * `npm run fuzz` entry (bundled and started by scripts/fuzz.mjs):
 *   --cases N     cases per format (default 100000)
 *   --seed S      run seed (default "bitnet-lab"); same seed, same cases
 *   --format F    one format, repeatable (default: all of safetensors, sharded, gguf, hf-bitnet, tfjs)
 *   --workers W   worker threads (default: cores, at least 1)
 *   --timeout MS  per-case deadline (default 20000)
 *   --save DIR    where findings' inputs go (default $TMPDIR/bitnet-lab-fuzz-findings)
 */
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFuzz } from './pool.js';
import { FUZZ_FORMATS, type FuzzFormat } from './seeds.js';

export async function main(argv: string[], repoRoot: string): Promise<number> {
  let cases = 100_000;
  let seed = 'bitnet-lab';
  const formats: FuzzFormat[] = [];
  let workers = Math.max(1, availableParallelism());
  let timeoutMs = 20_000;
  let save = join(tmpdir(), 'bitnet-lab-fuzz-findings');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    const need = (): string => {
      if (v === undefined) throw new Error(`${a} needs a value`);
      i++;
      return v;
    };
    if (a === '--cases') cases = Number(need());
    else if (a === '--seed') seed = need();
    else if (a === '--format') {
      const f = need();
      if (!(FUZZ_FORMATS as readonly string[]).includes(f)) throw new Error(`unknown format ${f} (one of ${FUZZ_FORMATS.join(', ')})`);
      formats.push(f as FuzzFormat);
    } else if (a === '--workers') workers = Number(need());
    else if (a === '--timeout') timeoutMs = Number(need());
    else if (a === '--save') save = need();
    else throw new Error(`unknown flag ${a}`);
  }
  if (!Number.isInteger(cases) || cases < 1) throw new Error('--cases must be a positive integer');
  const chosen = formats.length > 0 ? formats : [...FUZZ_FORMATS];
  const total = cases * chosen.length;
  let last = 0;
  // Ctrl-C (or SIGTERM) stops handing out cases and still prints the counts so far.
  const stop = new AbortController();
  const onSignal = (): void => {
    process.stderr.write('fuzz: stopping after the cases in flight…\n');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const result = await runFuzz({
    signal: stop.signal,
    repoRoot,
    formats: chosen,
    cases,
    runSeed: seed,
    workers,
    timeoutMs,
    saveDir: save,
    onProgress: (done) => {
      const now = Date.now();
      if (now - last > 10_000 || done === total) {
        last = now;
        process.stderr.write(`fuzz: ${done}/${total} cases\n`);
      }
    },
  });
  console.log(`fuzz seed "${seed}", ${cases} cases per format${stop.signal.aborted ? ' (stopped early: counts below are what ran)' : ''}, ${workers} workers, ${result.seconds.toFixed(1)} s`);
  console.log('format        cases    reports  typed errors  findings');
  for (const f of chosen) {
    const c = result.counts[f]!;
    console.log(`${f.padEnd(12)} ${String(c.cases).padStart(7)} ${String(c.reports).padStart(10)} ${String(c.typed).padStart(13)} ${String(c.findings).padStart(9)}`);
  }
  for (const f of chosen) {
    const codes = Object.entries(result.codes[f]!).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
    console.log(`  ${f} typed error codes: ${codes || '—'}`);
  }
  for (const f of result.findings.slice(0, 50)) {
    console.log(`FINDING ${f.format} #${f.index}: ${f.detail}\n  mutations: ${f.mutations.join('; ')}${f.saved ? `\n  saved: ${f.saved}` : ''}`);
  }
  if (result.findings.length > 50) console.log(`… and ${result.findings.length - 50} more findings`);
  return result.findings.length > 0 ? 1 : 0;
}
