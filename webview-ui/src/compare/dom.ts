/** Tiny DOM helpers: text always goes through textContent (report strings are never parsed as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function table(headers: string[], rows: string[][]): HTMLTableElement {
  const t = el('table', 'cmp-table');
  const head = t.createTHead().insertRow();
  for (const h of headers) head.appendChild(el('th', undefined, h));
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of r) tr.appendChild(el('td', undefined, c));
  }
  return t;
}
