/**
 * The training panel's run line, under the title: which engine trains the
 * run (or that the curves come from a followed folder), the run folder, the
 * launch command to copy, and the buttons that hand the run to a cluster
 * (SLURM script) or draw another run over this one (Overlay a run…).
 */
import type { RunInfo, TrainingRunRequest } from '../../../src/protocol/trainingRuns.js';

export class RunBar {
  readonly element: HTMLElement;
  private readonly engine: HTMLElement;
  private readonly folder: HTMLElement;
  private readonly launchRow: HTMLElement;
  private readonly launch: HTMLElement;
  private readonly slurm: HTMLButtonElement;
  private readonly overlays: HTMLElement;

  constructor(post: (m: TrainingRunRequest) => void) {
    this.element = el('section', 'tr-run');
    this.element.id = 'tr-run';
    this.element.hidden = true;
    const line = el('div', 'tr-run-line');
    this.engine = el('span', 'tr-engine');
    this.engine.id = 'tr-engine';
    this.folder = el('span', 'tr-folder');
    this.folder.id = 'tr-folder';
    const overlay = button('tr-overlay', 'Overlay a run…', () => post({ type: 'overlayRun' }));
    overlay.title = 'Draw another run\'s curves over these (a tfjs run over a torchrun run, two seeds, …)';
    this.slurm = button('tr-slurm', 'SLURM script…', () => post({ type: 'slurmScript' }));
    this.slurm.title = 'An sbatch script that trains this run folder on a SLURM GPU cluster';
    this.slurm.hidden = true;
    line.append(this.engine, this.folder, el('span', 'tr-run-gap'), this.slurm, overlay);
    this.launchRow = el('div', 'tr-launch-row');
    this.launchRow.hidden = true;
    this.launch = el('code', 'tr-launch');
    this.launch.id = 'tr-launch';
    this.launchRow.append(el('span', 'tr-launch-label', 'Launch:'), this.launch, button('tr-copy-launch', 'Copy launch command', () => post({ type: 'copyLaunch' })));
    this.overlays = el('div', 'tr-overlays');
    this.overlays.id = 'tr-overlays';
    this.overlays.hidden = true;
    this.element.append(line, this.launchRow, this.overlays);
  }

  show(info: RunInfo): void {
    this.element.hidden = false;
    this.engine.textContent = info.engine;
    this.folder.textContent = info.folder ?? '';
    this.folder.title = info.folder ?? '';
    this.launchRow.hidden = info.launch === undefined;
    this.launch.textContent = info.launch ?? '';
    this.slurm.hidden = info.slurm !== true;
  }

  showOverlays(labels: readonly string[]): void {
    this.overlays.hidden = labels.length === 0;
    this.overlays.textContent = labels.length === 0 ? '' : `Overlaid: ${labels.join(' · ')}`;
  }
}

function button(id: string, text: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', 'tr-button', text) as HTMLButtonElement;
  b.id = id;
  b.addEventListener('click', onClick);
  return b;
}

function el(tag: string, className: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
