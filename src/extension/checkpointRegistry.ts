/**
 * The checkpoints open in inspectors, shared by the editors, the checkpoints
 * tree and the summary view. A model lives while at least one custom
 * document holds it; the active one is the inspector last focused.
 */
import type { CheckpointModel } from './checkpointModel.js';

export class CheckpointRegistry {
  private readonly entries = new Map<string, { model: CheckpointModel; refs: number }>();
  private activePath: string | undefined;
  private readonly listeners = new Set<() => void>();

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Take a reference on the model for `path`, creating it on first use. */
  acquire(path: string, create: () => CheckpointModel): CheckpointModel {
    let entry = this.entries.get(path);
    if (!entry) {
      entry = { model: create(), refs: 0 };
      this.entries.set(path, entry);
      entry.model.onEvent((e) => {
        if (e.type !== 'progress') this.changed();
      });
    }
    entry.refs++;
    this.changed();
    return entry.model;
  }

  release(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    if (--entry.refs > 0) return;
    this.entries.delete(path);
    entry.model.dispose();
    if (this.activePath === path) this.activePath = undefined;
    this.changed();
  }

  get(path: string): CheckpointModel | undefined {
    return this.entries.get(path)?.model;
  }

  list(): CheckpointModel[] {
    return [...this.entries.values()].map((e) => e.model);
  }

  get active(): CheckpointModel | undefined {
    return (this.activePath !== undefined ? this.get(this.activePath) : undefined) ?? this.list().at(-1);
  }

  setActive(path: string): void {
    if (this.activePath === path) return;
    this.activePath = path;
    this.changed();
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}
