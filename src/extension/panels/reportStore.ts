/**
 * The last report of each panel kind, kept on disk (the extension's global
 * storage) so a panel restored after a reload shows it again without
 * re-running a comparison that took minutes. One file per kind: a restored
 * panel shows the latest report of its kind (pages that keep their report in
 * the webview state — energy, diff — restore their own instead).
 */
import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/formats/atomicWrite.js';
import type { ReportPanelKind } from '../../protocol/panels.js';

/** Refuse to read back anything larger (a diff of a huge model is a few MB). */
const MAX_BYTES = 64 * 1024 * 1024;

export class ReportStore {
  constructor(private readonly dir: string) {}

  private file(kind: ReportPanelKind): string {
    return join(this.dir, `last-${kind}.json`);
  }

  async save(kind: ReportPanelKind, report: unknown): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    await writeFileAtomic(this.file(kind), JSON.stringify(report));
  }

  /** The stored report, or undefined when there is none or it is unreadable / too big. */
  async load(kind: ReportPanelKind): Promise<unknown> {
    try {
      const text = await readFile(this.file(kind), 'utf8');
      if (text.length > MAX_BYTES) return undefined;
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
}
