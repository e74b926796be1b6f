/**
 * Real models in real VS Code: the inspector's Quality section and the Try
 * it panel, asserted on what the user sees inside the webview frames (the
 * launcher reads them with Playwright) as well as on what the host holds.
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { TestingApi } from '../../../src/extension/testingApi.js';
import type { TryColumn } from '../../../src/protocol/models.js';
import type { SuiteConfig } from '../workspace.js';
import { assert, assertEqual, sleep, waitFor, type TestContext, type TestFn } from './harness.js';

const INSPECTOR = 'bn-inspector';
const TRY = 'bn-try-model';

/** Text of the first match inside the webview frame holding `within` ('' when none yet). */
async function shown(ctx: TestContext, selector: string, within: string): Promise<string | undefined> {
  const texts = await ctx.webview({ selector, action: 'text', within });
  return texts === undefined ? undefined : (texts[0] ?? '');
}

/** Wait until the page shows something matching `ok` (skipped, with a note, when no page is driven). */
async function untilShown(ctx: TestContext, selector: string, within: string, ok: (text: string) => boolean, what: string): Promise<string> {
  let last = '';
  return waitFor(async () => {
    const t = await shown(ctx, selector, within);
    if (t === undefined) return '(no webview access)';
    last = t;
    return ok(t) ? t : undefined;
  }, 20_000, `${what} (last seen: "${last.slice(0, 200)}")`);
}

export function modelTests(api: TestingApi, cfg: SuiteConfig): Array<[string, TestFn]> {
  const uri = (p: string): vscode.Uri => vscode.Uri.file(p);
  return [
    [
      'inspector Quality section: its Try it button opens the Try it panel for that checkpoint',
      async (ctx) => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('vscode.openWith', uri(cfg.tiny), 'bitnetLab.checkpointInspector');
        await waitFor(() => api.models().find((m) => m.path === cfg.tiny), 10_000, 'the inspector model');
        const title = await untilShown(ctx, '#mq-section h3', INSPECTOR, (t) => t.length > 0, 'the Quality section in the inspector page');
        if (title !== '(no webview access)') {
          assertEqual(title, 'Model quality on your text', 'section title the user sees');
          await ctx.webview({ selector: '#mq-try', action: 'click', within: INSPECTOR });
          const panel = await waitFor(() => api.tryPanels().find((p) => p.path === cfg.tiny && p.ready), 20_000, 'the Try it panel to open and say ready');
          assertEqual(panel.state.columns.map((c) => c.mode).join(','), 'fp,ternary', 'an F32 checkpoint is compared with post-training ternary');
          assertEqual(await untilShown(ctx, '.try-title', TRY, (t) => t.startsWith('Try it'), 'the Try it page'), `Try it: ${basename(cfg.tiny)}`, 'panel title on the page');
        } else ctx.note('no webview access: the page was not read');
      },
    ],
    [
      'Try it on a checkpoint this build cannot run: both columns say why, on the page',
      async (ctx) => {
        const columns = await vscode.commands.executeCommand<TryColumn[] | undefined>('bitnetLab.tryModel', uri(cfg.tiny), { prompt: 'Hello', settings: { maxTokens: 4 } });
        assert(columns !== undefined && columns.length === 2, 'two columns');
        for (const c of columns) assertEqual(c.status === 'failed' || c.status === 'done', true, `column ${c.mode} finished (${c.status}: ${c.message ?? ''})`);
        const failed = columns.find((c) => c.status === 'failed');
        if (failed) {
          const text = await untilShown(ctx, `#try-col-${failed.mode} .mq-error`, TRY, (t) => t.length > 0, 'the failure on the page');
          if (text !== '(no webview access)') assertEqual(text, failed.message ?? '', 'the page shows the failure the host got');
        }
        await sleep(500);
        await ctx.screenshot('try-it-unavailable');
      },
    ],
  ];
}
