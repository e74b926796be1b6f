// Stands in for VS Code's acquireVsCodeApi(): records what the panel posts.
window.posted = [];
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.posted.push(m),
  getState: () => undefined,
  setState: () => undefined,
});
