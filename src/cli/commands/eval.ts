import { readFile } from 'node:fs/promises';
import { BitnetLabError } from '../../core/errors.js';
import { defaultThreads } from '../../core/kernels/createKernel.js';
import type { EvalResult, LinearMode } from '../../core/model/api.js';
import { evaluateText } from '../../core/model/eval.js';
import { intOption, listOption, parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { withProgressBar } from '../commandSteps.js';
import { renderTable } from '../format/table.js';

const MODES: readonly LinearMode[] = ['fp', 'ternary', 'stored'];

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'perplexity of a model on a text file, full precision vs BitNet ternary (Llama, BitNet; safetensors, HF BitNet, GGUF)',
  usage: `usage: bitnet-lab eval <checkpoint> --data <text file> [options]

  <checkpoint>          any path \`inspect\` opens, with a config.json beside it (or GGUF metadata)

  The text is tokenized once, as the model's tokenizer does (BOS included), and cut
  into consecutive windows of N tokens (the incomplete tail is dropped); each window
  predicts its tokens 1..N-1 from the tokens before them, from an empty cache.

options:
  --data FILE           UTF-8 text to evaluate on (required)
  --context N           window length in tokens (default: min(model context, 512))
  --modes LIST          fp,ternary (default) — any of fp | ternary | stored; a checkpoint
                        whose weights already are ternary reports stored for ternary
  --threads N           threads for the kernels (default: every core, here ${defaultThreads()})
  --json                print {tokens, windows, results, layers, provenance} as JSON
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('eval', argv, {
      data: { type: 'string' },
      context: { type: 'string' },
      modes: { type: 'string', multiple: true },
      threads: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new BitnetLabError('usage', 'eval: give exactly one checkpoint path (see bitnet-lab eval --help)');
    if (typeof values.data !== 'string') throw new BitnetLabError('usage', 'eval: --data <text file> is required');
    const modes = listOption(values.modes);
    for (const m of modes) if (!(MODES as string[]).includes(m)) throw new BitnetLabError('usage', `eval: unknown mode "${m}" (choose ${MODES.join(', ')})`);
    const context = values.context === undefined ? undefined : intOption('eval', 'context', values.context, 0, 2);
    const threads = values.threads === undefined ? undefined : intOption('eval', 'threads', values.threads, 1, 1);
    let text: string;
    try {
      text = await readFile(values.data, 'utf8');
    } catch (e) {
      throw new BitnetLabError('io', `cannot read the text: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: values.data });
    }
    const result = await withProgressBar(io, 'evaluating', (onProgress) =>
      evaluateText(positionals[0]!, text, {
        ...(context !== undefined ? { context } : {}),
        ...(modes.length > 0 ? { modes: modes as LinearMode[] } : {}),
        ...(threads !== undefined ? { threads } : {}),
        signal: io.signal,
        onProgress,
      }),
    );
    io.stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : renderEval(result));
    return 0;
  },
};

export function renderEval(r: EvalResult): string {
  const rows = Object.entries(r.results).map(([mode, v]) => ({ mode, ...v! }));
  let out = `${r.provenance.architecture}, ${r.tokens} tokens, ${r.windows} windows of ${r.provenance.settings['context']}\n\n`;
  out += renderTable(rows, [
    { title: 'mode', value: (x) => x.mode },
    { title: 'perplexity', align: 'right', value: (x) => x.perplexity.toPrecision(6) },
    { title: 'NLL (nats)', align: 'right', value: (x) => x.nll.toFixed(4) },
    { title: 'bits/byte', align: 'right', value: (x) => x.bitsPerByte.toFixed(4) },
    { title: 'tokens/s', align: 'right', value: (x) => x.tokensPerSecond.toFixed(1) },
  ]);
  if (r.layers.length > 0) {
    const worst = [...r.layers].sort((a, b) => b.relativeRmse - a.relativeRmse).slice(0, 8);
    out += `\nlargest per-layer output errors of the quantized model on this text:\n`;
    out += renderTable(worst, [
      { title: 'linear', maxWidth: 48, value: (x) => x.name },
      { title: 'rel. RMSE', align: 'right', value: (x) => x.relativeRmse.toFixed(4) },
      { title: 'cosine', align: 'right', value: (x) => x.cosine.toFixed(4) },
    ]);
  }
  out += `\n${r.provenance.compute}\n${r.provenance.tokenizer}; ${r.provenance.machine}\n`;
  return out;
}
