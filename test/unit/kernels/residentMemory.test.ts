import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { measureResidentMemory, MAX_PROBE_FP32_BYTES } from '../../../src/core/analysis/residentMemory.js';

// The probe bundle as `npm run build` makes it (from scripts/rssProbe.ts), next to the others.
const probe = join(__dirname, '../../../dist/rssProbe.js');

describe('measured resident memory of a forward pass (child processes)', () => {
  it('sees at least the FP32 weight bytes resident, and far less for packed ternary', async () => {
    const layers = [{ out: 2048, in: 2048 }, { out: 2048, in: 2048 }];
    const weights = 4 * 2 * 2048 * 2048; // 33.5 MB of float32
    const { result, reason } = await measureResidentMemory(layers, { probePath: probe });
    expect(reason).toBeUndefined();
    expect(result!.fp32.deltaBytes).toBeGreaterThan(0.9 * weights);
    // 2-bit planes are 1/16 of float32: 2 MiB here, plus the kernel's wasm memory.
    expect(result!.ternary.deltaBytes).toBeLessThan(weights / 4);
    expect(result!.ternary.backend).toBe('wasm-simd');
  }, 60_000);

  it('declines, with a reason, when the FP32 side would not fit the tfjs-wasm heap or the probe is missing', async () => {
    const big = await measureResidentMemory([{ out: 65536, in: 65536 }], { probePath: probe });
    expect(big.result).toBeNull();
    expect(big.reason).toMatch(/GiB/);
    expect(4 * 65536 * 65536).toBeGreaterThan(MAX_PROBE_FP32_BYTES);
    const tiny = await measureResidentMemory([{ out: 4, in: 4 }], { probePath: probe });
    expect(tiny.result).toBeNull();
    expect(tiny.reason).toMatch(/too small/);
    const missing = await measureResidentMemory([{ out: 2048, in: 4096 }], { probePath: join(__dirname, 'no-such-probe.js') });
    expect(missing.result).toBeNull();
    expect(missing.reason).toMatch(/probe failed/);
  });
});
