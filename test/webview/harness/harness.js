// Fakes the VS Code webview environment for the inspector bundle:
// - acquireVsCodeApi() with postMessage (recorded in window.__posted), getState/setState (sessionStorage, so reload keeps it);
// - the body theme class and a subset of --vscode-* variables of Dark Modern / Light Modern;
// - with ?auto=1, a fake host that answers `ready` with the report (window.__harnessReport or ?report=URL)
//   and `getHistogram` with ArrayBuffers, as the extension host does.
// window.__send(msg) delivers a host → webview message, like webview.postMessage.
(function () {
  const params = new URLSearchParams(location.search);
  const THEMES = {
    dark: {
      cls: 'vscode-dark',
      vars: {
        '--vscode-font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif', '--vscode-font-size': '13px',
        '--vscode-editor-font-family': '"DejaVu Sans Mono", monospace',
        '--vscode-foreground': '#cccccc', '--vscode-editor-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f',
        '--vscode-descriptionForeground': '#9d9d9d', '--vscode-panel-border': '#2b2b2b', '--vscode-sideBar-background': '#181818',
        '--vscode-focusBorder': '#0078d4', '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-list-activeSelectionBackground': '#04395e',
        '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-list-inactiveSelectionBackground': '#37373d',
        '--vscode-charts-foreground': '#cccccc', '--vscode-charts-lines': 'rgba(204,204,204,0.15)', '--vscode-charts-red': '#f14c4c',
        '--vscode-charts-blue': '#3794ff', '--vscode-charts-yellow': '#cca700', '--vscode-charts-orange': '#d18616',
        '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7', '--vscode-errorForeground': '#f85149',
        '--vscode-editorGroupHeader-tabsBackground': '#181818', '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8',
        '--vscode-textLink-foreground': '#4daafc', '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff',
        '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc',
        '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-settings-textInputBorder': '#3c3c3c',
        '--vscode-inputValidation-errorBackground': '#5a1d1d', '--vscode-inputValidation-errorBorder': '#be1100',
        '--vscode-editorWarning-foreground': '#cca700',
        '--vscode-settings-textInputBackground': '#313131', '--vscode-settings-textInputForeground': '#cccccc',
        '--vscode-settings-dropdownBackground': '#313131', '--vscode-settings-dropdownForeground': '#cccccc',
        '--vscode-settings-dropdownBorder': '#3c3c3c', '--vscode-settings-dropdownListBorder': '#454545',
        '--vscode-progressBar-background': '#0078d4',
      },
    },
    light: {
      cls: 'vscode-light',
      vars: {
        '--vscode-font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif', '--vscode-font-size': '13px',
        '--vscode-editor-font-family': '"DejaVu Sans Mono", monospace',
        '--vscode-foreground': '#3b3b3b', '--vscode-editor-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff',
        '--vscode-descriptionForeground': '#717171', '--vscode-panel-border': '#e5e5e5', '--vscode-sideBar-background': '#f8f8f8',
        '--vscode-focusBorder': '#005fb8', '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-list-activeSelectionBackground': '#e8e8e8',
        '--vscode-list-activeSelectionForeground': '#000000', '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
        '--vscode-charts-foreground': '#616161', '--vscode-charts-lines': 'rgba(97,97,97,0.15)', '--vscode-charts-red': '#e51400',
        '--vscode-charts-blue': '#1a85ff', '--vscode-charts-yellow': '#bf8803', '--vscode-charts-orange': '#d18616',
        '--vscode-charts-green': '#388a34', '--vscode-charts-purple': '#652d90', '--vscode-errorForeground': '#f85149',
        '--vscode-editorGroupHeader-tabsBackground': '#f8f8f8', '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b',
        '--vscode-textLink-foreground': '#005fb8', '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff',
        '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
        '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-settings-textInputBorder': '#cecece',
        '--vscode-inputValidation-errorBackground': '#f2dede', '--vscode-inputValidation-errorBorder': '#be1100',
        '--vscode-editorWarning-foreground': '#bf8803',
        '--vscode-settings-textInputBackground': '#ffffff', '--vscode-settings-textInputForeground': '#3b3b3b',
        '--vscode-settings-dropdownBackground': '#ffffff', '--vscode-settings-dropdownForeground': '#3b3b3b',
        '--vscode-settings-dropdownBorder': '#cecece', '--vscode-settings-dropdownListBorder': '#c8c8c8',
        '--vscode-progressBar-background': '#005fb8',
      },
    },
  };

  function applyTheme(name) {
    const t = THEMES[name] || THEMES.dark;
    for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(k, v);
    const apply = () => {
      document.body.classList.remove('vscode-dark', 'vscode-light');
      document.body.classList.add(t.cls);
    };
    if (document.body) apply();
    else document.addEventListener('DOMContentLoaded', apply, { once: true });
  }
  window.__setTheme = applyTheme;
  applyTheme(params.get('theme') || 'dark');

  window.__posted = [];
  window.__send = (msg) => window.dispatchEvent(new MessageEvent('message', { data: msg }));

  const STATE_KEY = 'harness-state';
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m) => {
        window.__posted.push(m);
        if (params.get('auto') === '1') respond(m);
      },
      getState: () => {
        const s = sessionStorage.getItem(STATE_KEY);
        return s ? JSON.parse(s) : undefined;
      },
      setState: (s) => {
        sessionStorage.setItem(STATE_KEY, JSON.stringify(s));
        return s;
      },
    };
  };

  function loadReport() {
    if (window.__harnessReport) return Promise.resolve(window.__harnessReport);
    const url = params.get('report');
    return url ? fetch(url).then((r) => r.json()) : Promise.reject(new Error('no report'));
  }

  function toRow(t) {
    if (!t.stats) return { ...t, stats: null };
    const { histogram, ...rest } = t.stats;
    return { ...t, stats: { ...rest, histogramBins: histogram.counts.length } };
  }

  async function respond(m) {
    const r = await loadReport();
    if (m.type === 'ready') {
      const stream = params.get('stream') === '1';
      window.__send({
        type: 'init', fileName: r.file, format: r.format, metadata: r.metadata,
        rows: r.tensors.map((t) => (stream ? { ...toRow(t), stats: null } : toRow(t))), totals: r.totals,
        settings: { method: r.method, include: [], exclude: [], backend: 'auto' },
      });
      if (stream) return; // the test streams rows itself
      window.__send({ type: 'analysisDone', totals: r.totals, provenance: r.provenance, backend: r.backend, cached: false });
    } else if (m.type === 'getHistogram') {
      const t = r.tensors.find((x) => x.name === m.name);
      if (!t || !t.stats) return;
      setTimeout(() => window.__send({
        type: 'histogram', requestId: m.requestId, name: t.name,
        edges: Float64Array.from(t.stats.histogram.edges).buffer, counts: Float64Array.from(t.stats.histogram.counts).buffer,
        thresholds: t.stats.thresholds, gamma: t.stats.gamma,
      }), 10);
    }
  }
})();
