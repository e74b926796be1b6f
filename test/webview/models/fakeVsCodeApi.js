// Stands in for VS Code's acquireVsCodeApi(): records what the page posts (window.posted) and keeps
// its state in sessionStorage, so a reload gets it back as a webview's would.
window.posted = [];
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.posted.push(m),
  getState: () => JSON.parse(sessionStorage.getItem('webview-state') ?? 'null') ?? undefined,
  setState: (s) => sessionStorage.setItem('webview-state', JSON.stringify(s)),
});
