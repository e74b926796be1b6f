import { BitnetLabError } from '../../core/errors.js';
import { defaultThreads } from '../../core/kernels/createKernel.js';
import type { LinearMode } from '../../core/model/api.js';
import { generateText } from '../../core/model/generate.js';
import { intOption, numberOption, parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { createProgressBar } from '../progressBar.js';

const MODES: readonly LinearMode[] = ['fp', 'ternary', 'stored'];

export const generate: CliCommand = {
  name: 'generate',
  summary: 'continue a prompt with a model (fp, BitNet ternary PTQ, or stored ternary weights)',
  usage: `usage: bitnet-lab generate <checkpoint> --prompt TEXT [options]

  <checkpoint>          any path \`inspect\` opens, with a config.json beside it (or GGUF metadata)

options:
  --prompt TEXT         the text to continue (required); BOS is added as the tokenizer adds it
  --max-tokens N        tokens to generate at most (default 64; stops earlier at EOS)
  --temperature T       0 = greedy (default); otherwise sample from softmax(logits / T)
  --top-k K             sample among the K most likely tokens (default 0 = all)
  --seed S              seed of the sampler (default 0)
  --mode M              fp | ternary | stored (default: stored for a ternary checkpoint, else fp)
  --threads N           threads for the kernels (default: every core, here ${defaultThreads()})
  --json                print {text, promptTokens, generatedTokens, tokensPerSecond, provenance}
                        (the text then streams to stderr instead of stdout)
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('generate', argv, {
      prompt: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      seed: { type: 'string' },
      mode: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new BitnetLabError('usage', 'generate: give exactly one checkpoint path (see bitnet-lab generate --help)');
    if (typeof values.prompt !== 'string') throw new BitnetLabError('usage', 'generate: --prompt TEXT is required');
    const mode = values.mode;
    if (mode !== undefined && !(MODES as string[]).includes(mode)) throw new BitnetLabError('usage', `generate: unknown --mode "${mode}" (choose ${MODES.join(', ')})`);
    const json = values.json === true;
    const stream = json ? io.stderr : io.stdout;
    // The bar shows loading only; once text flows it is cleared for good.
    const bar = createProgressBar(io, 'loading');
    let streaming = false;
    try {
      const result = await generateText(positionals[0]!, values.prompt, {
        maxTokens: intOption('generate', 'max-tokens', values['max-tokens'], 64, 1),
        temperature: numberOption('generate', 'temperature', values.temperature, 0),
        topK: intOption('generate', 'top-k', values['top-k'], 0),
        seed: intOption('generate', 'seed', values.seed, 0),
        ...(mode !== undefined ? { mode: mode as LinearMode } : {}),
        ...(values.threads !== undefined ? { threads: intOption('generate', 'threads', values.threads, 1, 1) } : {}),
        signal: io.signal,
        onProgress: (e) => {
          if (e.unit === 'bytes') bar.update(e);
        },
        onText: (piece) => {
          if (!streaming) {
            bar.done();
            stream(values.prompt!);
            streaming = true;
          }
          stream(piece);
        },
      });
      if (streaming) stream('\n');
      if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else io.stderr(`${result.generatedTokens.length} tokens, ${result.tokensPerSecond.toFixed(1)} tokens/s (${result.provenance.compute})\n`);
      return 0;
    } finally {
      bar.done();
    }
  },
};
