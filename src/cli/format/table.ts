/**
 * Plain-text tables for the terminal: right-aligned numbers, left-aligned
 * text, long names shortened in the middle (the layer index and the
 * projection kind — both ends of a name — are what people scan for).
 */
export interface Column<Row> {
  title: string;
  align?: 'left' | 'right';
  maxWidth?: number;
  /**
   * How a cell longer than maxWidth is cut: 'middle' (default) keeps both ends,
   * right for tensor names; 'words' keeps the start and ends at a word boundary
   * with an ellipsis, right for prose such as notes.
   */
  cut?: 'middle' | 'words';
  value: (row: Row) => string;
}

export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const parts: string[] = [];
  writeTable(rows, columns, (t) => void parts.push(t));
  return parts.join('');
}

/** Lines are handed to `write` in pieces of about this many characters. */
const WRITE_CHUNK = 1 << 16;

/**
 * The table written piece by piece: cells are formatted once to measure the
 * columns and again to write each line, so no array of every cell and no
 * string of the whole table exist at once (400,000 tensors make ~4 M cells).
 */
export function writeTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], write: (text: string) => void): void {
  const cell = (c: Column<Row>, r: Row): string => (c.cut === 'words' ? truncateWords(c.value(r), c.maxWidth) : shorten(c.value(r), c.maxWidth));
  // Loops, not spreads: spreading that many arguments overflows the call stack.
  const widths = columns.map((c) => c.title.length);
  for (const r of rows) for (let i = 0; i < columns.length; i++) widths[i] = Math.max(widths[i]!, cell(columns[i]!, r).length);
  const line = (values: string[]) =>
    values.map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  let out = `${line(columns.map((c) => c.title))}\n${line(widths.map((w) => '─'.repeat(w)))}\n`;
  for (const r of rows) {
    out += `${line(columns.map((c) => cell(c, r)))}\n`;
    if (out.length >= WRITE_CHUNK) {
      write(out);
      out = '';
    }
  }
  write(out);
}

export function shorten(s: string, max: number | undefined): string {
  if (max === undefined || s.length <= max) return s;
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  return `${s.slice(0, head)}…${s.slice(s.length - (keep - head))}`;
}

/**
 * Prose cut to at most `max` characters at a word boundary, ending in "…":
 * "kept: full precision in this model (declared…". A first word longer than
 * the width is cut inside it (nothing better exists).
 */
export function truncateWords(s: string, max: number | undefined): string {
  if (max === undefined || s.length <= max) return s;
  const room = s.slice(0, max); // the ellipsis takes the place of the space (or of the last character)
  const space = room.lastIndexOf(' ');
  const cut = space > 0 ? room.slice(0, space) : s.slice(0, max - 1);
  return `${cut.replace(/[\s,;:(—–-]+$/u, '')}…`;
}

/** 1234567 → "1.23M"; keeps tables narrow while staying exact enough to compare. */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

export function formatPercent(fraction: number, digits = 1): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : '–';
}

export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return x > 0 ? '+∞' : x < 0 ? '−∞' : '–';
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(digits - 1);
  return x.toPrecision(digits);
}
