/**
 * bitnetLab.evaluateQuality and bitnetLab.tryModel: real models from a
 * checkpoint (Llama or BitNet architecture). Both take the checkpoint as the
 * Uri / tree node / path they are invoked with, else the active inspector's,
 * else one the user picks; tests and keybindings may pass the text, prompt
 * and settings as a second argument.
 */
import * as vscode from 'vscode';
import type { EvalJobValue, GenerateSettings, ModelRunSettings, TryColumn } from '../../protocol/models.js';
import type { Services } from '../services.js';
import { openInInspector, pickCheckpoint, uriOf } from '../commands/target.js';
import { ReportPanel } from '../panels/reportPanel.js';
import { comparedModes } from './linearModes.js';
import { headerOf, readModelSettings, type QualityRunner } from './qualityRunner.js';
import { DEFAULT_GENERATE, TryPanel } from './tryPanel.js';

export interface QualityArgs {
  /** Evaluate this text (labelled `label`) … */
  text?: string;
  label?: string;
  /** … or this file; neither: ask. */
  textFile?: string;
  settings?: ModelRunSettings;
  /** Do not open the inspector to show the result (tests, scripts). */
  quiet?: boolean;
}

export interface TryArgs {
  /** Start a run right away with this prompt (resolves when both columns have finished). */
  prompt?: string;
  settings?: Partial<GenerateSettings>;
}

async function checkpointPath(s: Services, arg: unknown, title: string): Promise<string | undefined> {
  return (uriOf(arg) ?? (s.registry.active ? vscode.Uri.file(s.registry.active.path) : await pickCheckpoint(title)))?.fsPath;
}

export function registerModelCommands(s: Services, quality: QualityRunner): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('bitnetLab.evaluateQuality', async (arg?: unknown, args: QualityArgs = {}): Promise<EvalJobValue | undefined> => {
      const path = await checkpointPath(s, arg, 'Evaluate the quality of which checkpoint?');
      if (!path) return undefined;
      const text = args.text !== undefined ? { text: args.text, label: args.label ?? 'text' } : args.textFile !== undefined ? { file: args.textFile } : undefined;
      // The result shows in the checkpoint's Quality section: open one if no view shows this checkpoint.
      const shownSomewhere = s.inspector.sessionsFor(path).length > 0 || ReportPanel.all().some((p) => p.checkpoint === path);
      if (!args.quiet && !shownSomewhere) await openInInspector(s, vscode.Uri.file(path));
      return quality.evaluate(path, text, { ...readModelSettings(), ...args.settings });
    }),
    vscode.commands.registerCommand('bitnetLab.tryModel', async (arg?: unknown, args: TryArgs = {}): Promise<TryColumn[] | undefined> => {
      const path = await checkpointPath(s, arg, 'Try which checkpoint?');
      if (!path) return undefined;
      let modes;
      try {
        modes = comparedModes(await headerOf(s, path));
      } catch (e) {
        void vscode.window.showErrorMessage(`BitNet: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
      const panel = TryPanel.show(s, path, modes, readModelSettings);
      if (args.prompt === undefined) return undefined;
      return panel.generate(args.prompt, { ...DEFAULT_GENERATE, ...args.settings });
    }),
  ];
}
