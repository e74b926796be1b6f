/**
 * The training-curves panel: seven line charts (training loss, validation
 * loss, accuracy or perplexity, learning rate, and per-layer sparsity, γ and
 * flip rate of the BitNet run) fed from a MetricsStore. Redraws are
 * coalesced to one per animation frame however fast points arrive, and every
 * series is decimated to the chart's pixel width.
 */
import '../shared/charts/index.js';
import type { LineChart } from '../shared/charts/lineChart.js';
import type { RunName, TrainingPanelEvent, TrainingPanelRequest } from '../../../src/protocol/training.js';
import type { TrainingRunEvent, TrainingRunRequest } from '../../../src/protocol/trainingRuns.js';
import { RunBar } from './runBar.js';
import { MetricsStore, type ChartSeries } from './store.js';

type ChartId = 'train-loss' | 'val-loss' | 'val-metric' | 'lr' | 'sparsity' | 'gamma' | 'flips';

interface ChartSpec {
  id: ChartId;
  title: string;
  note?: string;
  series: (s: MetricsStore, buckets: number) => ChartSeries[];
  yFormat?: (v: number) => string;
  zeroBased?: boolean;
}

const fmt = (digits: number) => (v: number) => v.toFixed(digits);
const sci = (v: number) => (v === 0 ? '0' : v.toExponential(1));

function specs(store: MetricsStore): ChartSpec[] {
  const acc = store.metricName === 'accuracy';
  return [
    { id: 'train-loss', title: 'Training loss (nats)', series: (s, b) => s.trainLoss(b), yFormat: fmt(2) },
    { id: 'val-loss', title: 'Validation loss (nats)', series: (s, b) => s.valLoss(b), yFormat: fmt(3) },
    { id: 'val-metric', title: acc ? 'Validation accuracy (%)' : 'Validation perplexity', series: (s, b) => s.valMetric(b), yFormat: fmt(acc ? 1 : 2) },
    { id: 'lr', title: 'Learning rate', note: 'BitNet: two-stage schedule, drop at the midpoint', series: (s, b) => s.lr(b), yFormat: sci, zeroBased: true },
    { id: 'sparsity', title: 'Sparsity of BitNet layers (% zeros)', series: (s, b) => s.layers('sparsity', b), yFormat: fmt(1) },
    { id: 'gamma', title: 'Scale γ of BitNet layers', series: (s, b) => s.layers('gamma', b), yFormat: fmt(4), zeroBased: true },
    { id: 'flips', title: 'Ternary flips since previous evaluation (%)', note: 'weight decay → 0 at the midpoint lowers it (FAQ)', series: (s, b) => s.layers('flipRate', b), yFormat: fmt(2), zeroBased: true },
  ];
}

export class TrainingView {
  readonly store = new MetricsStore();
  private readonly charts = new Map<ChartId, LineChart>();
  private readonly status: HTMLElement;
  private readonly title: HTMLElement;
  private readonly finetune: HTMLTableElement;
  private readonly cancelButton: HTMLButtonElement;
  private readonly openButtons = new Map<RunName, HTMLButtonElement>();
  private readonly runBar: RunBar;
  /** False for a followed folder: there is nothing here to cancel. */
  private cancellable = true;
  private frame = 0;
  private totalSteps = 0;
  private state = 'waiting for metrics…';
  /** Redraw count, for tests: proves updates are coalesced. */
  redraws = 0;

  constructor(root: HTMLElement, private readonly post: (m: TrainingPanelRequest | TrainingRunRequest) => void) {
    const head = el('header', 'tr-head');
    this.title = el('h2', 'tr-title', 'Training curves');
    this.status = el('span', 'tr-status', this.state);
    this.status.id = 'tr-status';
    const actions = el('div', 'tr-actions');
    this.cancelButton = el('button', '', 'Cancel') as HTMLButtonElement;
    this.cancelButton.hidden = true;
    this.cancelButton.addEventListener('click', () => this.post({ type: 'cancel' }));
    actions.append(this.cancelButton);
    for (const run of ['bitnet', 'fp'] as const) {
      const b = el('button', '', run === 'bitnet' ? 'Open BitNet checkpoint' : 'Open FP checkpoint') as HTMLButtonElement;
      b.hidden = true;
      b.addEventListener('click', () => this.post({ type: 'openCheckpoint', run }));
      this.openButtons.set(run, b);
      actions.append(b);
    }
    head.append(this.title, this.status, actions);
    this.runBar = new RunBar((m) => this.post(m));
    this.finetune = el('table', 'tr-finetune') as HTMLTableElement;
    this.finetune.id = 'tr-finetune';
    this.finetune.hidden = true;
    const grid = el('div', 'tr-grid');
    for (const s of specs(this.store)) {
      const card = el('section', 'tr-card');
      card.id = `card-${s.id}`;
      const h = el('h3', '', s.title);
      card.append(h);
      if (s.note) card.append(el('p', 'tr-note', s.note));
      const chart = document.createElement('bn-line-chart') as LineChart;
      chart.id = `chart-${s.id}`;
      chart.height = 190;
      chart.label = s.title;
      chart.xLabel = 'step';
      chart.xIntegers = true;
      chart.xFormat = (v) => (v >= 10_000 ? `${(v / 1000).toFixed(0)}k` : String(v));
      if (s.yFormat) chart.yFormat = s.yFormat;
      chart.zeroBased = s.zeroBased ?? false;
      card.append(chart);
      grid.append(card);
      this.charts.set(s.id, chart);
    }
    root.append(head, this.runBar.element, this.finetune, grid);
  }

  handle(m: TrainingPanelEvent | TrainingRunEvent): void {
    switch (m.type) {
      case 'init':
        this.title.textContent = m.title;
        this.totalSteps = m.totalSteps;
        this.store.metricName = m.metricName;
        this.state = 'running';
        this.cancelButton.hidden = !this.cancellable;
        break;
      case 'runInfo':
        this.cancellable = m.cancellable;
        if (!m.cancellable) this.cancelButton.hidden = true;
        this.store.labels = (m.labels ?? {}) as Partial<Record<RunName, string>>;
        this.runBar.show(m);
        break;
      case 'overlay':
        this.store.addOverlay(m.label, m.run, m.points);
        this.runBar.showOverlays([...new Set(this.store.overlays.map((o) => o.label))]);
        break;
      case 'reset':
        this.store.clear();
        break;
      case 'metrics':
        this.store.add(m.run, m.points);
        break;
      case 'status':
        this.state = m.state + (m.message ? ` — ${m.message}` : '');
        this.cancelButton.hidden = m.state !== 'running' || !this.cancellable;
        for (const [run, b] of this.openButtons) b.hidden = !m.checkpoints?.[run];
        break;
      case 'finetune':
        this.renderFinetune(m);
        break;
    }
    this.schedule();
  }

  private renderFinetune(m: Extract<TrainingPanelEvent, { type: 'finetune' }>): void {
    const f = (v: number) => (m.metricName === 'accuracy' ? `${(100 * v).toFixed(2)} %` : v.toFixed(2));
    const rows: Array<[string, string, string]> = [
      ['before: full precision', m.before.fpValLoss.toFixed(4), f(m.before.fpMetric)],
      ['before: post-training ternary (PTQ)', m.before.ptqValLoss.toFixed(4), f(m.before.ptqMetric)],
    ];
    if (m.after) rows.push(['after quantization-aware training', m.after.valLoss.toFixed(4), f(m.after.metric)]);
    this.finetune.replaceChildren();
    const head = this.finetune.createTHead().insertRow();
    for (const t of ['', 'validation loss', m.metricName]) head.append(el('th', '', t));
    const body = this.finetune.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      for (const c of r) tr.insertCell().textContent = c;
    }
    this.finetune.hidden = false;
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.redraw();
    });
  }

  redraw(): void {
    this.redraws++;
    const step = this.store.lastStep();
    this.status.textContent = `${this.state} · step ${step}${this.totalSteps ? ` of ${this.totalSteps}` : ''} · ${this.store.totalPoints} points`;
    for (const s of specs(this.store)) {
      const chart = this.charts.get(s.id)!;
      // About two points per pixel column is all a canvas line can show.
      const buckets = Math.max(50, Math.floor((chart.clientWidth || 600) / 2));
      const series = s.series(this.store, buckets);
      chart.series = series;
      chart.dataset['points'] = String(series.reduce((n, x) => n + x.points.length, 0));
      const card = chart.parentElement?.querySelector('h3');
      if (card) card.textContent = s.title;
    }
  }
}

function el(tag: string, className: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
