/**
 * Quality evaluations per checkpoint: runs the `eval` job (in the job
 * process, with a cancellable notification and a Jobs-view entry), keeps the
 * latest state of each checkpoint, and tells every view showing that
 * checkpoint — inspector panels, comparison panels — what to show.
 */
import * as vscode from 'vscode';
import type { CheckpointReport } from '../../core/analysis/report.js';
import type { LinearMode } from '../../core/model/api.js';
import type { EvalJobValue, EvalTextSource, ModelRunSettings, QualityEvent, QualityRequest, QualityState, TextSourceInfo } from '../../protocol/models.js';
import { runEngineJob } from '../commands/engineJobs.js';
import type { Services } from '../services.js';
import { comparedModes } from './linearModes.js';
import { chooseTextSource, type RecentTextEditor } from './textSource.js';

interface Entry {
  modes: LinearMode[];
  quality: QualityState | undefined;
  cancel?: () => void;
}

/** The `bitnetLab.model*` settings; 0 leaves the choice to the engine. */
export function readModelSettings(): ModelRunSettings {
  const c = vscode.workspace.getConfiguration('bitnetLab');
  const threads = c.get<number>('modelThreads', 0);
  const context = c.get<number>('evalContext', 0);
  return { ...(threads > 0 ? { threads } : {}), ...(context > 0 ? { context } : {}) };
}

/** The header report of a checkpoint: the open model's, or a fresh `open` job. */
export async function headerOf(s: Services, path: string): Promise<CheckpointReport> {
  const open = s.registry.get(path)?.header;
  return open ?? (await s.jobs.start({ kind: 'open', path }).result).report;
}

export class QualityRunner {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(path: string, e: QualityEvent) => void>();

  constructor(private readonly s: Services, private readonly recent: RecentTextEditor) {}

  onChange(listener: (path: string, e: QualityEvent) => void): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  eventFor(path: string): QualityEvent {
    const e = this.entries.get(path);
    return { type: 'quality', modes: e?.modes ?? ['fp', 'ternary'], quality: e?.quality };
  }

  /** A page's button. */
  request(path: string, req: QualityRequest): void {
    if (req.type === 'cancelQuality') this.entries.get(path)?.cancel?.();
    else if (req.type === 'tryModel') void vscode.commands.executeCommand('bitnetLab.tryModel', vscode.Uri.file(path));
    else void this.evaluate(path, req.source);
  }

  /**
   * Evaluate `path` on a text (asks for it when `text` is a choice or
   * undefined). Resolves to the job's value, or undefined when the user
   * backed out, or it failed or was cancelled (the views say so).
   */
  async evaluate(path: string, text: EvalTextSource | 'editor' | 'file' | undefined, settings: ModelRunSettings = readModelSettings()): Promise<EvalJobValue | undefined> {
    const source = typeof text === 'object' ? text : await chooseTextSource(text, this.recent);
    if (!source) return undefined;
    this.entries.get(path)?.cancel?.();
    let modes: LinearMode[];
    try {
      modes = comparedModes(await headerOf(this.s, path));
    } catch (e) {
      this.set(path, { modes: ['fp', 'ternary'], quality: { state: 'failed', message: e instanceof Error ? e.message : String(e) } });
      return undefined;
    }
    const info: TextSourceInfo = 'file' in source ? { kind: 'file', label: source.file.split(/[\\/]/).pop() ?? source.file, chars: NaN } : { kind: 'editor', label: source.label, chars: source.text.length };
    const entry: Entry = { modes, quality: { state: 'running', source: info, done: 0, total: 0, label: 'loading the model' } };
    this.set(path, entry);
    let value: EvalJobValue | undefined;
    await runEngineJob(this.s, { kind: 'eval', path, text: source, modes, settings }, { quiet: true }, {
      started: (cancel) => (entry.cancel = cancel),
      progress: (done, total, label) => {
        if (entry.quality?.state === 'running') this.set(path, { ...entry, quality: { ...entry.quality, done, total, label: label ?? '' } }, entry);
      },
      done: (v) => {
        value = v;
        this.set(path, { modes, quality: { state: 'done', source: value.source, result: value.result } }, entry);
      },
      fail: (message, cancelled) => this.set(path, { modes, quality: cancelled ? { state: 'cancelled', source: info } : { state: 'failed', source: info, message } }, entry),
    });
    return value;
  }

  /** Replace the entry (only while `owner` is still the current run, so a superseded run cannot overwrite its successor). */
  private set(path: string, next: Entry, owner?: Entry): void {
    const current = this.entries.get(path);
    if (owner !== undefined && current !== owner) return;
    if (owner !== undefined) {
      // Keep the owner object current so later callbacks of the same run still match.
      Object.assign(owner, next);
    } else this.entries.set(path, next);
    const e = this.eventFor(path);
    for (const l of this.listeners) l(path, e);
  }
}
