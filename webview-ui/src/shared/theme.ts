/**
 * Colours for canvas drawing, read from the --vscode-* CSS variables VS Code
 * sets on the webview's <html>. Canvas cannot use CSS variables directly, so
 * charts ask for a `ChartTheme` each time they paint and repaint when
 * `onThemeChange` fires (VS Code swaps the body class vscode-light /
 * vscode-dark / vscode-high-contrast and the variables on a theme change).
 * Fallbacks keep a page outside VS Code (exported report) readable.
 */
export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface ChartTheme {
  kind: ThemeKind;
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  border: string;
  accent: string;
  error: string;
  warning: string;
  fontFamily: string;
  fontSize: number;
  /** Categorical series colours, distinct in the current theme. */
  series: string[];
}

export function themeKind(body: HTMLElement = document.body): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  if (c.contains('vscode-dark')) return 'dark';
  // Outside VS Code: follow the OS preference.
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

const FALLBACK: Record<'light' | 'dark', Omit<ChartTheme, 'kind' | 'fontFamily' | 'fontSize'>> = {
  dark: {
    background: '#1e1e1e', foreground: '#cccccc', muted: '#9d9d9d', grid: 'rgba(204,204,204,0.14)', border: '#454545',
    accent: '#3794ff', error: '#f48771', warning: '#cca700',
    series: ['#3794ff', '#f14c4c', '#cca700', '#89d185', '#b180d7', '#4ec9b0', '#e07ac0', '#d18616', '#9cdcfe', '#c8c8c8'],
  },
  light: {
    background: '#ffffff', foreground: '#3b3b3b', muted: '#6f6f6f', grid: 'rgba(59,59,59,0.12)', border: '#d4d4d4',
    accent: '#005fb8', error: '#c72e0f', warning: '#bf8803',
    series: ['#1a85ff', '#e51400', '#bf8803', '#388a34', '#652d90', '#16825d', '#c63d8f', '#d18616', '#0451a5', '#616161'],
  },
};

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

export function readChartTheme(el: Element = document.body): ChartTheme {
  const kind = themeKind();
  const fb = FALLBACK[kind === 'light' || kind === 'high-contrast-light' ? 'light' : 'dark'];
  const s = getComputedStyle(el);
  const fg = cssVar(s, '--vscode-editor-foreground', cssVar(s, '--vscode-foreground', fb.foreground));
  // VS Code's chart palette (charts.blue …) is tuned per theme; extra colours
  // beyond its six come from our fallback list so 7+ series stay distinct.
  // Orange goes late: next to yellow it is hard to tell apart in light themes.
  const vs: [number, string][] = [[0, '--vscode-charts-blue'], [1, '--vscode-charts-red'], [2, '--vscode-charts-yellow'], [3, '--vscode-charts-green'], [4, '--vscode-charts-purple'], [7, '--vscode-charts-orange']];
  const series = fb.series.slice();
  for (const [i, v] of vs) series[i] = cssVar(s, v, fb.series[i]!);
  const fontSize = parseFloat(cssVar(s, '--vscode-font-size', '13px'));
  return {
    kind,
    background: cssVar(s, '--vscode-editor-background', fb.background),
    foreground: cssVar(s, '--vscode-charts-foreground', fg),
    muted: cssVar(s, '--vscode-descriptionForeground', fb.muted),
    grid: cssVar(s, '--vscode-charts-lines', fb.grid),
    border: cssVar(s, '--vscode-panel-border', fb.border),
    accent: cssVar(s, '--vscode-focusBorder', fb.accent),
    error: cssVar(s, '--vscode-errorForeground', fb.error),
    warning: cssVar(s, '--vscode-editorWarning-foreground', fb.warning),
    fontFamily: cssVar(s, '--vscode-font-family', 'system-ui, -apple-system, "Segoe UI", sans-serif'),
    fontSize: Number.isFinite(fontSize) ? fontSize : 13,
    series,
  };
}

type Listener = () => void;
const listeners = new Set<Listener>();
let observer: MutationObserver | undefined;

/**
 * Call `fn` whenever the theme changes. One observer watches <body class>
 * (and <html style>, where VS Code writes the variables) for all subscribers.
 * Returns an unsubscribe function.
 */
export function onThemeChange(fn: Listener): () => void {
  listeners.add(fn);
  if (observer === undefined && typeof MutationObserver === 'function') {
    observer = new MutationObserver(() => listeners.forEach((l) => l()));
    observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  }
  return () => listeners.delete(fn);
}
