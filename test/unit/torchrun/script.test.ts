/**
 * The embedded PyTorch script against the TypeScript it must agree with: the
 * committed copy is fresh, its torch floor is ours, and its learning-rate and
 * weight-decay schedule equals schedule.ts step by step (computed by Python).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs build script without type declarations
import { SCRIPT_MODULE, SCRIPT_SOURCE, scriptModule } from '../../../scripts/build-torchrun.mjs';
import { defaultTrainConfig } from '../../../src/core/nn/config.js';
import { lrAt, weightDecayAt, type ScheduleConfig } from '../../../src/core/nn/schedule.js';
import { MIN_TORCH, torchMajorMinor, torchVersionSupported } from '../../../src/core/nn/torchrun/torchProbe.js';
import { TORCH_PYTHON, torchAvailable } from '../../peers/torch.js';

const ROOT = join(__dirname, '../../..');
const script = readFileSync(join(ROOT, SCRIPT_SOURCE), 'utf8');

describe('train_bitnet.py', () => {
  it('is embedded as committed (npm run build regenerates it)', () => {
    expect(readFileSync(join(ROOT, SCRIPT_MODULE), 'utf8')).toBe(scriptModule(script));
  });

  it('asks for the torch version the probe asks for', () => {
    expect(script).toContain(`MIN_TORCH = (${MIN_TORCH.join(', ')})`);
  });

  it('parses torch versions as they are printed', () => {
    expect(torchMajorMinor('1.13.0a0+gitunknown')).toEqual([1, 13]);
    expect(torchVersionSupported('1.13.0a0+gitunknown')).toBe(true);
    expect(torchVersionSupported('2.4.1+cu121')).toBe(true);
    expect(torchVersionSupported('1.12.1')).toBe(false);
    expect(torchVersionSupported('nightly')).toBe(false);
  });

  it.skipIf(!torchAvailable())('has the two-stage schedule of schedule.ts, step for step', () => {
    const c = defaultTrainConfig('lm', 'x');
    const schedules: ScheduleConfig[] = [
      { ...c.bitnet, steps: 1000 },
      { ...c.fp, steps: 1000 },
      { ...c.bitnet, steps: 7, warmupSteps: 3 },
      { ...c.bitnet, steps: 1, warmupSteps: 0 },
    ];
    const py = [
      'import importlib.util, json, sys',
      `spec = importlib.util.spec_from_file_location('t', ${JSON.stringify(join(ROOT, SCRIPT_SOURCE))})`,
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      'out = [[[m.lr_at(s, t), m.weight_decay_at(s, t)] for t in range(s["steps"])] for s in json.loads(sys.argv[1])]',
      'print(json.dumps(out))',
    ].join('\n');
    const got = JSON.parse(execFileSync(TORCH_PYTHON, ['-c', py, JSON.stringify(schedules)], { encoding: 'utf8' })) as [number, number][][];
    schedules.forEach((s, i) => {
      for (let t = 0; t < s.steps; t++) {
        expect(got[i]![t]![0]).toBeCloseTo(lrAt(s, t), 15);
        expect(got[i]![t]![1]).toBe(weightDecayAt(s, t));
      }
    });
  });
});
