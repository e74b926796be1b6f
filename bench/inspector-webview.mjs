// Inspector webview responsiveness in Debian's Chromium (issue 3: "stays
// smooth at 10,000 rows"). For a 300-tensor baseline and a 10,000-tensor
// report, in the same run:
//   - init → table rendered (Lit update complete) after the host's `init`
//   - a scroll step of 20 rows → the new rows in the DOM (includes the frame wait)
//   - sort by γ (click → re-rendered)
// Medians over repeated runs; ratios 10k / baseline. No `npm run build` needed:
// the bundle and the fixture generator are built with esbuild into a temp dir.
//   node bench/inspector-webview.mjs      (or: npm run bench inspector-webview)
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = await mkdtemp(join(tmpdir(), 'bitnet-bench-webview-'));
const RUNS = 7;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  await build({ entryPoints: [join(root, 'webview-ui/src/entries/inspector.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', loader: { '.css': 'text' }, minify: true, outfile: join(work, 'inspector.js'), logLevel: 'warning' });
  await build({ entryPoints: [join(root, 'test/webview/harness/makeReport.ts')], bundle: true, format: 'esm', platform: 'node', outfile: join(work, 'makeReport.mjs'), logLevel: 'warning' });
  const { makeManyTensorReport } = await import(pathToFileURL(join(work, 'makeReport.mjs')).href);
  const harness = (await readFile(join(root, 'test/webview/harness/index.html'), 'utf8')).replace('/dist/webview/inspector.js', '/inspector.js');
  await writeFile(join(work, 'index.html'), harness);
  await writeFile(join(work, 'harness.js'), await readFile(join(root, 'test/webview/harness/harness.js')));
  const types = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = createServer(async (req, res) => {
    const name = new URL(req.url, 'http://x').pathname.slice(1);
    if (!['index.html', 'harness.js', 'inspector.js'].includes(name)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[name.slice(name.lastIndexOf('.'))] }).end(await readFile(join(work, name)));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/index.html?auto=1`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const version = browser.version();

  async function measure(n) {
    const report = makeManyTensorReport(n);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.addInitScript((r) => (window.__harnessReport = r), report);
    await page.goto(url);
    await page.waitForSelector('.bn-row');
    const out = await page.evaluate(async ({ runs }) => {
      const app = document.querySelector('bn-inspector');
      const table = () => document.querySelector('bn-tensor-table');
      const r = window.__harnessReport;
      const rows = r.tensors.map((t) => (t.stats ? { ...t, stats: { ...t.stats, histogram: undefined, histogramBins: t.stats.histogram.counts.length } } : t));
      const init = { type: 'init', fileName: r.file, format: r.format, metadata: r.metadata, rows, totals: r.totals, settings: { method: 'absmean', include: [], exclude: [], backend: 'auto' } };
      const frame = () => new Promise((res) => requestAnimationFrame(() => res()));
      const res = { init: [], scroll: [], sort: [] };
      for (let k = 0; k < runs; k++) {
        const t0 = performance.now();
        window.__send(init);
        await app.updateComplete;
        await table().updateComplete;
        res.init.push(performance.now() - t0);
        await frame();
      }
      const sc = document.querySelector('.bn-table-scroller');
      const max = sc.scrollHeight - sc.clientHeight;
      for (let k = 0; k < runs * 4; k++) {
        // Cycle within the list so every step really moves (a short list would clamp at the end).
        const target = ((k + 1) * 26 * 20) % Math.max(1, max - 26 * 40);
        const pos = Math.floor(target / 26);
        const t0 = performance.now();
        sc.scrollTop = target;
        // Wait until the row at the new top position is in the DOM.
        while (!document.getElementById(`row-${Math.min(pos, r.tensors.length - 1)}`)) await frame();
        res.scroll.push(performance.now() - t0);
      }
      for (let k = 0; k < runs; k++) {
        const t0 = performance.now();
        document.querySelector('.bn-sort[data-col="gamma"]').click();
        await app.updateComplete;
        await table().updateComplete;
        res.sort.push(performance.now() - t0);
      }
      res.domRows = document.querySelectorAll('.bn-row').length;
      return res;
    }, { runs: RUNS });
    await page.close();
    return { init: median(out.init), scroll: median(out.scroll), sort: median(out.sort), domRows: out.domRows };
  }

  const base = await measure(300);
  const big = await measure(10_000);
  console.log(`Chromium ${version} (software rendering), ${cpus()[0]?.model} × ${cpus().length}; medians of ${RUNS} (scroll: ${RUNS * 4}) runs`);
  const row = (label, a, b) => console.log(`  ${label.padEnd(34)} ${a.toFixed(1).padStart(8)} ms ${b.toFixed(1).padStart(8)} ms   ×${(b / a).toFixed(2)}`);
  console.log(`  ${''.padEnd(34)} ${'300 rows'.padStart(11)} ${'10,000 rows'.padStart(11)}   ratio`);
  row('init → table rendered', base.init, big.init);
  row('scroll 20 rows → rows in DOM', base.scroll, big.scroll);
  row('sort by γ → re-rendered', base.sort, big.sort);
  console.log(`  DOM rows kept: ${base.domRows} (300) vs ${big.domRows} (10,000)`);
  await browser.close();
  server.close();
} finally {
  await rm(work, { recursive: true, force: true });
}
