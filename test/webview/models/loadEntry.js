// Loads the bundle named by ?entry= (tryModel, compare) as a module script, so one page serves both panels.
const entry = new URLSearchParams(location.search).get('entry');
if (/^[a-zA-Z]+$/.test(entry || '')) {
  const s = document.createElement('script');
  s.type = 'module';
  s.src = `/dist/webview/${entry}.js`;
  document.head.appendChild(s);
}
