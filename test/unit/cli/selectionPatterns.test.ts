/**
 * --include / --exclude name modules as Hugging Face's
 * quantization_config.modules_to_not_convert does (`down_proj`,
 * `mlp.down_proj`, `model.layers.0`), globs still match full tensor names,
 * and a pattern that selects nothing is warned about — on the CLI and, for
 * the bitnetLab.include / exclude settings, in the report the extension gets.
 */
import { describe, expect, it } from 'vitest';
import { analyzeCheckpoint } from '../../../src/core/analysis/analyze.js';
import type { CheckpointReport } from '../../../src/core/analysis/report.js';
import { openCheckpoint } from '../../../src/core/formats/open.js';
import { compilePattern, unmatchedPatterns } from '../../../src/core/quant/selection.js';
import { engine } from '../../../src/jobs/engine.js';
import { cli, TINY_LLAMA } from './harness.js';

const DOWN = ['model.layers.0.mlp.down_proj.weight', 'model.layers.1.mlp.down_proj.weight'];

async function inspectJson(...flags: string[]): Promise<{ report: CheckpointReport; stderr: string; code: number }> {
  const r = await cli(['inspect', TINY_LLAMA, '--json', ...flags]);
  return { report: JSON.parse(r.stdout) as CheckpointReport, stderr: r.stderr, code: r.code };
}

const kept = (r: CheckpointReport) => r.tensors.filter((t) => t.reason === 'excluded by --exclude').map((t) => t.name);

describe('module-name patterns (HF modules_to_not_convert)', () => {
  it('--exclude down_proj and --exclude mlp.down_proj keep exactly the two down projections', async () => {
    for (const p of ['down_proj', 'mlp.down_proj', 'mlp.down_proj.', 'model.layers.*.mlp.down_proj', '*down_proj*']) {
      const { report, stderr, code } = await inspectJson('--exclude', p);
      expect(code, p).toBe(0);
      expect(kept(report), p).toEqual(DOWN);
      expect(stderr, p).not.toMatch(/warning/);
    }
  });

  it('a module prefix reaches everything under it, on whole name parts only', async () => {
    const { report } = await inspectJson('--exclude', 'model.layers.1');
    expect(kept(report)).toEqual(report.tensors.map((t) => t.name).filter((n) => n.startsWith('model.layers.1.')));
    expect(kept(report).length).toBe(9);
    // whole parts: layers.1 is not layers.10, proj is not down_proj
    expect(compilePattern('layers.1')('model.layers.10.mlp.up_proj.weight')).toBe(false);
    expect(compilePattern('proj')('model.layers.0.mlp.down_proj.weight')).toBe(false);
    expect(compilePattern('lm_head')('lm_head.weight')).toBe(true);
    expect(compilePattern('ffn_down')('blk.3.ffn_down.weight')).toBe(true);
  });

  it('--include lm_head quantizes the head by its module name', async () => {
    const { report } = await inspectJson('--include', 'lm_head');
    const head = report.tensors.find((t) => t.name === 'lm_head.weight')!;
    expect(head.quantized).toBe(true);
    expect(head.stats).not.toBeNull();
  });

  it('a pattern that matches nothing prints one warning per pattern, and the run still succeeds', async () => {
    const { report, stderr, code } = await inspectJson('--exclude', 'down_prj', '--include', 'mlp.gate', '--exclude', 'up_proj');
    expect(code).toBe(0);
    const warnings = stderr.trim().split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([
      'warning: --include mlp.gate matches no tensor of this checkpoint',
      'warning: --exclude down_prj matches no tensor of this checkpoint',
    ]);
    expect(report.warnings).toEqual(warnings.map((w) => w.slice('warning: '.length)));
  });

  it('quantize warns the same way', async () => {
    const r = await cli(['quantize', TINY_LLAMA, '-o', '/nonexistent-dir-for-test/x.gguf', '--format', 'gguf-tq2_0', '--exclude', 'nothing_like_this']);
    expect(r.stderr).toContain('warning: --exclude nothing_like_this matches no tensor of this checkpoint');
  });

  it('the settings path (analyzeCheckpoint, as the extension calls it) uses the same matching and reports the warning', async () => {
    const source = await openCheckpoint(TINY_LLAMA);
    try {
      const r = await analyzeCheckpoint(source, { exclude: ['mlp.down_proj', 'no_such_module'], statsFor: 'quantized' });
      expect(r.tensors.filter((t) => t.reason === 'excluded by --exclude').map((t) => t.name)).toEqual(DOWN);
      expect(r.warnings).toEqual(['--exclude no_such_module matches no tensor of this checkpoint']);
      // The job process the extension runs names the setting, not a flag the user never typed.
      const header = await engine.headerReport(source, { method: 'absmean', include: [], exclude: ['no_such_module'], backend: 'auto' });
      expect(header.warnings).toEqual(['setting bitnetLab.exclude: "no_such_module" matches no tensor of this checkpoint']);
    } finally {
      await source.close();
    }
    expect(unmatchedPatterns(['a.b.weight'], { include: ['b'], exclude: ['/^a\\./', 'c'] })).toEqual({ include: [], exclude: ['c'] });
  });
});
