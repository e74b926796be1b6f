/**
 * Test page for the line chart: two 100k-point training-like curves (a
 * decaying loss with one spike every 10k steps) in one <bn-line-chart>, as
 * the training panel would show a long run. The curves are exposed on
 * `window.curves` so the test recomputes what the read-out must say.
 */
import '../../../webview-ui/src/shared/charts/index.js';
import type { LineChart, Series } from '../../../webview-ui/src/shared/charts/index.js';

const N = 100_000;
function curve(offset: number): Array<{ x: number; y: number }> {
  const out = new Array<{ x: number; y: number }>(N);
  for (let s = 1; s <= N; s++) out[s - 1] = { x: s, y: 2 + 3 / Math.sqrt(s) + offset + (s % 10_000 === 5_000 ? 3 : 0) };
  return out;
}
const series: Series[] = [
  { name: 'BitNet b1.58', points: curve(0), colorIndex: 0 },
  { name: 'full precision', points: curve(0.1), colorIndex: 1 },
];
const chart = document.createElement('bn-line-chart') as LineChart;
chart.id = 'chart';
chart.height = 300;
chart.label = 'training loss';
chart.xLabel = 'step';
chart.xIntegers = true;
chart.yFormat = (v) => v.toFixed(4);
chart.series = series;
document.body.append(chart);
(window as unknown as { curves: Series[] }).curves = series;
