/**
 * The layers rule (scripts/lint/layers.mjs with the table in eslint.config.mjs)
 * on small sources placed in each layer: what design.md forbids is reported,
 * what it allows is not. ESLint runs with the repository's own config.
 */
import { ESLint } from 'eslint';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

describe('layer boundaries', () => {
  it('keeps vscode, the protocol and the host out of the engine', async () => {
    expect(await layerErrors('src/core/nn/x.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n")).toEqual([
      'src/core must not import the package "vscode" (the engine knows nothing of VS Code, the terminal, the job process or the webviews)',
    ]);
    expect(await layerErrors('src/core/nn/x.ts', "import type { RunName } from '../../protocol/training.js';\nexport type R = RunName;\n")).toHaveLength(1);
    expect(await layerErrors('src/core/nn/x.ts', "export { JobClient } from '../../jobs/client.js';\n")).toHaveLength(1);
    expect(await layerErrors('src/core/nn/x.ts', "import type { RunName } from './metricTypes.js';\nexport type R = RunName;\n")).toEqual([]);
  });

  it('keeps tfjs off the extension host', async () => {
    expect(await layerErrors('src/extension/x.ts', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n")).toHaveLength(1);
    expect(await layerErrors('src/extension/x.ts', "export const load = () => import('@tensorflow/tfjs-node');\n")).toHaveLength(1);
    expect(await layerErrors('src/extension/x.ts', "import { JobClient } from '../jobs/client.js';\nexport const c = JobClient;\n")).toEqual([]);
  });

  it('lets the pages import the protocol and plain core types, nothing else', async () => {
    const page = 'webview-ui/src/shared/x.ts';
    expect(await layerErrors(page, "import { toRow } from '../../../src/protocol/inspector.js';\nexport const r = toRow;\n")).toEqual([]);
    expect(await layerErrors(page, "import type { CheckpointReport } from '../../../src/core/analysis/report.js';\nexport type R = CheckpointReport;\n")).toEqual([]);
    expect(await layerErrors(page, "import { QUANT_METHODS } from '../../../src/core/quant/types.js';\nexport const m = QUANT_METHODS;\n")).toEqual([]);
    expect(await layerErrors(page, "import { compareCheckpoint } from '../../../src/core/analysis/compare.js';\nexport const c = compareCheckpoint;\n")).toEqual([
      'webview-ui must not import src/core (pages see only messages and the plain types they carry)',
    ]);
    expect(await layerErrors(page, "import { readFile } from 'node:fs';\nexport const r = readFile;\n")).toHaveLength(1);
    expect(await layerErrors(page, "import type { Services } from '../../../src/extension/services.js';\nexport type S = Services;\n")).toHaveLength(1);
  });
});
