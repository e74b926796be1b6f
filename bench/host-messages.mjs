// What checking a host → page message on receipt costs the page (issue 11 §3):
// the inspector's largest message, an `init` with 10,000 rows (analysed, and header-only), parsed
// against InspectorEventSchema (src/protocol/inspector.ts) — set beside
// structuredClone of the same message, which is what postMessage pays anyway,
// and a histogram reply (two float64 ArrayBuffers, checked by instance only).
// Rows are the analysed tensors of test/fixtures/reports/llama-30l.json, repeated
// under new names. Needs no `npm run build` (bundles the sources with esbuild).
//   node bench/host-messages.mjs            (or: npm run bench host-messages)
import { bundleForNode, median, root } from './lib.mjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROWS = 10_000;
const RUNS = 15;
const work = await mkdtemp(join(tmpdir(), 'bitnet-bench-hostmsg-'));
try {
  const out = await bundleForNode({
    contents: `export { InspectorEventSchema, toRow } from './src/protocol/inspector.ts'; export { parseMessage } from './src/protocol/schema.ts';`,
    outfile: join(work, 'protocol.mjs'),
  });
  const { InspectorEventSchema, toRow, parseMessage } = await import(pathToFileURL(out).href);
  const report = JSON.parse(await readFile(join(root, 'test/fixtures/reports/llama-30l.json'), 'utf8'));
  const analysed = report.tensors.filter((t) => t.stats !== null).map(toRow);
  const rows = Array.from({ length: ROWS }, (_, i) => ({ ...analysed[i % analysed.length], name: `t.${i}.weight` }));
  const init = { type: 'init', fileName: report.file, format: report.format, metadata: {}, rows, totals: report.totals, settings: { method: 'absmean', include: [], exclude: [], backend: 'auto' } };
  const t = report.tensors.find((x) => x.stats !== null);
  const histogram = { type: 'histogram', requestId: 1, name: t.name, edges: Float64Array.from(t.stats.histogram.edges).buffer, counts: Float64Array.from(t.stats.histogram.counts).buffer, thresholds: t.stats.thresholds, gamma: t.stats.gamma };

  const time = (f) => {
    f(); // warm
    const xs = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      f();
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  const check = (m) => {
    const r = parseMessage(InspectorEventSchema, m, 'from the host (bench)');
    if (!r.ok) throw new Error(r.error);
  };
  // What the host really sends first: the header-only rows (stats null); statistics follow in `rows` batches.
  const header = { ...init, rows: rows.map((r) => ({ ...r, stats: null })) };
  const parseHeader = time(() => check(header));
  const parse = time(() => check(init));
  const clone = time(() => structuredClone(init));
  const hist = time(() => check(histogram));
  console.log(`inspector init, ${ROWS} analysed rows (${(JSON.stringify(init).length / 1e6).toFixed(1)} MB as JSON), median of ${RUNS}, load ${loadavg()[0].toFixed(1)}:`);
  console.log(`  validate (parseMessage)   ${parse.toFixed(1)} ms`);
  console.log(`  structuredClone (postMessage's own copy)   ${clone.toFixed(1)} ms   → validation = ${(parse / clone).toFixed(2)}× the copy`);
  console.log(`  header-only init (stats null, as sent on open)   ${parseHeader.toFixed(1)} ms`);
  console.log(`  histogram reply (${t.stats.histogram.counts.length} bins, ArrayBuffers)   ${(hist * 1000).toFixed(0)} µs`);
} finally {
  await rm(work, { recursive: true, force: true });
}
