// Benchmark: tokenization speed of our GGUF tokenizers (gguf-llama SPM,
// gguf-gpt2 byte-level BPE) against @huggingface/tokenizers on the
// tokenizer.json they were exported from, and real llama.cpp
// (node-llama-cpp, when installed) on the same GGUF — the three give the
// same ids (test/unit/tokenizer/llamaCpp.test.ts).
//
//   node bench/tokenizers.mjs [--kib 256] [--repeats 5]
//
// Text: a fixed mix of English, code, numbers and CJK, repeated to --kib KiB.
// Each engine encodes it whole once as warm-up, then --repeats times; the
// median time and tokens/s are printed, with ratios to @huggingface/tokenizers.
import { bundleForNode, median, root } from './lib.mjs';
import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const kib = Number(arg('kib', '256'));
const repeats = Number(arg('repeats', '5'));

const work = mkdtempSync(join(tmpdir(), 'bitnet-lab-bench-tok-'));
const bundle = await bundleForNode({
  contents: `
    export { openGguf } from './src/core/formats/gguf/openGguf.ts';
    export { GgufTokenizer } from './src/core/model/tokenizer/ggufTokenizer.ts';
    export { HfTokenizer } from './src/core/model/tokenizer/hf.ts';
    export { tokenizerGgufEntries } from './src/core/model/tokenizer/toGguf.ts';
    export { writeVocabGguf } from './test/peers/vocabGguf.ts';
  `,
  outfile: join(work, 'tok.mjs'),
});
const { openGguf, GgufTokenizer, HfTokenizer, tokenizerGgufEntries, writeVocabGguf } = await import(pathToFileURL(bundle).href);

const unit = [
  'The quick brown fox jumps over the lazy dog; it\'s 5 o\'clock and we\'ll be late.\n',
  'function add(a, b) {\n  return a + b; // 12345 + 678\n}\n',
  'BitNet b1.58 stores every weight as −1, 0 or +1 with one scale per tensor.\n',
  '中文分词测试，日本語のテキスト、한국어 텍스트。\n',
].join('');
const text = unit.repeat(Math.ceil((kib * 1024) / Buffer.byteLength(unit))).slice(0, kib * 1024);

const llamaCppEntry = join(process.env.BITNET_LAB_LLAMA_CPP_DIR ?? join(homedir(), '.cache', 'bitnet-lab', 'node-llama-cpp'), 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
const llama = existsSync(llamaCppEntry)
  ? await (await import(pathToFileURL(llamaCppEntry).href)).getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: 'error' })
  : undefined;

function time(encode) {
  encode();
  const ms = [];
  let n = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    n = encode().length;
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(ms), tokens: n };
}

console.log(`text: ${kib} KiB; median of ${repeats} runs after one warm-up; Node ${process.version}`);
for (const name of ['llama2', 'llama3']) {
  const folder = join(root, 'node_modules', '@lenml', `tokenizer-${name}`, 'models');
  const gguf = join(work, `${name}.gguf`);
  await writeVocabGguf(gguf, await tokenizerGgufEntries(folder));
  const hf = await HfTokenizer.load(join(folder, 'tokenizer.json'), join(folder, 'tokenizer_config.json'));
  const src = await openGguf(gguf);
  const ours = GgufTokenizer.fromEntries(src.ggufEntries, gguf);
  await src.close();
  const rows = [
    ['@huggingface/tokenizers (tokenizer.json)', time(() => hf.encode(text))],
    [`ours, ${ours.kind} (GGUF)`, time(() => ours.encode(text))],
  ];
  if (llama) {
    const model = await llama.loadModel({ modelPath: gguf, vocabOnly: true });
    rows.push(['llama.cpp (node-llama-cpp, same GGUF)', time(() => model.tokenize(text, true))]);
    await model.dispose();
  }
  const base = rows[0][1].ms;
  console.log(`\n${name}:`);
  for (const [label, r] of rows) {
    console.log(`  ${label.padEnd(42)} ${r.ms.toFixed(1).padStart(8)} ms  ${((r.tokens / r.ms) * 1000).toFixed(0).padStart(9)} tokens/s  ×${(base / r.ms).toFixed(2)} vs HF  (${r.tokens} tokens)`);
  }
}
