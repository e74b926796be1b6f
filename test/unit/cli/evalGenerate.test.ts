/**
 * `bitnet-lab eval` and `bitnet-lab generate` end to end, in-process, on the
 * PyTorch-made HF folders: the --json shapes scripts parse (names fixed by the
 * issue), the human output, and one-line errors for bad input.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/command.js';
import { hfModel, torchAvailable } from '../../peers/torchModels.js';
import { hfTestTokenizer } from '../model/hfTestTokenizer.js';
import { patchedFolder } from '../model/patchedFolder.js';

// Until loadTokenizer is on main, the checkpoint's tokenizer.json is read by the test tokenizer.
vi.mock('../../../src/core/model/tokenizerFor.js', () => ({
  tokenizerFor: async (path: string) => {
    const { dirname } = await import('node:path');
    const { statSync } = await import('node:fs');
    return hfTestTokenizer(statSync(path).isDirectory() ? path : dirname(path));
  },
}));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false, signal: new AbortController().signal };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const TEXT = 'The lighthouse keeper kept a ledger of every ship that passed the point. '.repeat(6);

describe.runIf(torchAvailable())('bitnet-lab eval / generate', () => {
  it('eval --json prints tokens, windows, results per mode, layers and provenance', async () => {
    const data = join(mkdtempSync(join(tmpdir(), 'eval-data-')), 'text.txt');
    writeFileSync(data, TEXT);
    const { code, stdout, stderr } = await cli('eval', await hfModel('bitnet-2b4t'), '--data', data, '--context', '32', '--json');
    expect(stderr).not.toMatch(/error/);
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(Object.keys(r).sort()).toEqual(['layers', 'provenance', 'results', 'tokens', 'windows']);
    expect(r.windows).toBe(Math.floor(r.tokens / 32));
    expect(Object.keys(r.results).sort()).toEqual(['fp', 'ternary']);
    for (const m of ['fp', 'ternary']) {
      expect(Object.keys(r.results[m]).sort()).toEqual(['bitsPerByte', 'nll', 'perplexity', 'tokensPerSecond']);
      expect(r.results[m].perplexity).toBeCloseTo(Math.exp(r.results[m].nll), 6);
    }
    expect(r.layers[0]).toMatchObject({ name: 'model.layers.0.self_attn.q_proj', layer: 0 });
    // --threads defaults to every core.
    expect(r.provenance).toMatchObject({ architecture: 'BitNetForCausalLM', threads: availableParallelism() });
  });

  it('eval of a stored ternary checkpoint reports stored for ternary; the table names both modes', async () => {
    const data = join(mkdtempSync(join(tmpdir(), 'eval-data-')), 'text.txt');
    writeFileSync(data, TEXT);
    const dir = await hfModel('bitnet-2b4t-packed-autobitlinear');
    const json = JSON.parse((await cli('eval', dir, '--data', data, '--context', '32', '--json')).stdout);
    expect(Object.keys(json.results).sort()).toEqual(['fp', 'stored']);
    const human = await cli('eval', dir, '--data', data, '--context', '32', '--modes', 'stored');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/stored\s+\d/);
  });

  it('generate --json prints text, promptTokens, generatedTokens, tokensPerSecond and provenance; text streams', async () => {
    const dir = await hfModel('llama');
    const j = await cli('generate', dir, '--prompt', 'Hello', '--max-tokens', '4', '--json');
    expect(j.code).toBe(0);
    const r = JSON.parse(j.stdout);
    expect(Object.keys(r).sort()).toEqual(['generatedTokens', 'promptTokens', 'provenance', 'text', 'tokensPerSecond']);
    expect(r.generatedTokens).toHaveLength(4);
    expect(r.promptTokens).toBe(2); // <s> Hello
    // Without --json the continuation goes to stdout, after the prompt.
    const plain = await cli('generate', dir, '--prompt', 'Hello', '--max-tokens', '4');
    expect(plain.stdout).toBe(`Hello${r.text}\n`);
  });

  it('refuses an unsupported architecture in one line naming it', async () => {
    const dir = await patchedFolder(await hfModel('llama'), { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2' });
    const { code, stderr } = await cli('generate', dir, '--prompt', 'Hi');
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^error: .*unsupported architecture: architectures \["Qwen2ForCausalLM"\], model_type "qwen2"/);
  });

  it('rejects bad options with usage errors', async () => {
    const dir = await hfModel('llama');
    expect((await cli('eval', dir)).stderr).toMatch(/--data <text file> is required/);
    expect((await cli('eval', dir, '--data', '/nonexistent.txt')).stderr).toMatch(/nonexistent\.txt: cannot read/);
    expect((await cli('generate', dir, '--prompt', 'x', '--mode', 'int4')).stderr).toMatch(/unknown --mode "int4"/);
    expect((await cli('generate', dir, '--prompt', 'x', '--temperature', '-1')).code).toBe(2);
  });
});
