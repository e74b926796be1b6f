/**
 * `bitnet-lab inspect` end to end, in-process: the report on PyTorch-written
 * checkpoints must agree with the figures torch itself computed
 * (test/fixtures/torch/reference.json), and bad input must end in one clean
 * `error:` line with a non-zero exit.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/command.js';
import type { CheckpointReport } from '../../../src/core/analysis/report.js';

const FIXTURES = join(__dirname, '../../fixtures/torch');
const reference = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8'));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false, signal: new AbortController().signal };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('bitnet-lab inspect', () => {
  it('agrees with PyTorch on γ and ternary counts for every linear weight', async () => {
    const { code, stdout } = await cli('inspect', join(FIXTURES, 'tiny_llama.safetensors'), '--json');
    expect(code).toBe(0);
    const report: CheckpointReport = JSON.parse(stdout);
    const torch = reference.files['tiny_llama.safetensors'].tensors;
    const linear = report.tensors.filter((t) => t.quantized);
    expect(linear.length).toBe(14);
    for (const t of linear) {
      const ref = torch[t.name];
      expect(t.stats!.gamma).toBeCloseTo(ref.meanAbs, 12);
      expect({ minus: t.stats!.minus, zeros: t.stats!.zeros, plus: t.stats!.plus }).toEqual(ref.ternary);
    }
    expect(report.totals.params).toBe(report.tensors.reduce((s, t) => s + t.params, 0));
    expect(report.totals.memory.asStored).toBe(report.tensors.reduce((s, t) => s + t.bytes, 0));
    expect(report.backend).toBeTruthy();
    expect(report.provenance.settings).toMatchObject({ method: 'absmean' });
  });

  it('reads the sharded copy to the same statistics as the single file', async () => {
    const single: CheckpointReport = JSON.parse((await cli('inspect', join(FIXTURES, 'tiny_llama.safetensors'), '--json')).stdout);
    const sharded: CheckpointReport = JSON.parse((await cli('inspect', join(FIXTURES, 'tiny_llama_sharded/model.safetensors.index.json'), '--json')).stdout);
    expect(sharded.format).toBe('safetensors-sharded');
    const byName = new Map(single.tensors.map((t) => [t.name, t.stats]));
    for (const t of sharded.tensors) expect(t.stats).toEqual(byName.get(t.name));
  });

  it('prints a readable table with memory per storage format', async () => {
    const { code, stdout } = await cli('inspect', join(FIXTURES, 'tiny_llama_f32.safetensors'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/model\.layers\.1\.mlp\.down_proj\.weight\s+F32\s+\[64, 128\]/);
    expect(stdout).toContain('GGUF TQ1_0');
    expect(stdout).toContain('kept: embedding');
  });

  it('ends bad input with one error line naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitnet-cli-'));
    const truncated = join(dir, 'cut.safetensors');
    writeFileSync(truncated, readFileSync(join(FIXTURES, 'tiny_llama.safetensors')).subarray(0, 100));
    const r = await cli('inspect', truncated);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*cut\.safetensors, byte 8: /);

    const missing = await cli('inspect', join(dir, 'nope.safetensors'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');

    const usage = await cli('inspect', truncated, '--method', 'bogus');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown --method');
  });

  it('knows its version and lists its commands', async () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
    expect((await cli('--version')).stdout.trim()).toBe(pkg.version);
    expect((await cli('--help')).stdout).toContain('inspect');
    expect((await cli('frobnicate')).code).toBe(2);
  });
});

describe('inspect --json at scale', () => {
  it('writes the same bytes as JSON.stringify, tensor by tensor', async () => {
    const { writeReportJson } = await import('../../../src/cli/format/reportJson.js');
    const { stdout } = await cli('inspect', join(FIXTURES, 'tiny_llama.safetensors'), '--json');
    const report = JSON.parse(stdout);
    const pieces: string[] = [];
    writeReportJson(report, (t) => pieces.push(t));
    expect(pieces.join('')).toBe(`${JSON.stringify(report)}\n`);
    // Never the whole tensor list in one string: pieces of ~64 KB at most (plus one tensor).
    const many = { ...report, tensors: Array.from({ length: 2000 }, () => report.tensors).flat() };
    const big: string[] = [];
    writeReportJson(many, (t) => big.push(t));
    expect(big.join('')).toBe(`${JSON.stringify(many)}\n`);
    const longestTensor = Math.max(...report.tensors.map((t: unknown) => JSON.stringify(t).length));
    expect(Math.max(...big.map((p) => p.length))).toBeLessThanOrEqual((1 << 16) + longestTensor + 2);
    expect(big.length).toBeGreaterThan(10);
  });

  it('renders a table of 300,000 rows without overflowing the stack', async () => {
    const { renderTable } = await import('../../../src/cli/format/table.js');
    const rows = Array.from({ length: 300_000 }, (_, i) => i);
    const text = renderTable(rows, [{ title: 'n', align: 'right', value: (i) => String(i) }]);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(300_002);
    expect(lines.at(-1)).toBe('299999');
    expect(lines[2]).toBe('     0');
  });
});
