import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs build script without type declarations
import { KERNELS, compileWat, generatedModule, rewriteRelaxed } from '../../../scripts/build-kernels.mjs';

const root = join(__dirname, '../../..');

describe('committed kernel bytes', () => {
  for (const k of KERNELS as Array<{ wat: string; out: string; name: string; relaxed: boolean }>) {
    it(`${k.out} is the compilation of ${k.wat} (rebuild with npm run build if this fails)`, async () => {
      const watName = k.wat.split('/').pop()!;
      const bytes: Uint8Array = await compileWat(watName, readFileSync(join(root, k.wat), 'utf8'), k.relaxed);
      expect(readFileSync(join(root, k.out), 'utf8')).toBe(generatedModule(watName, k.name, bytes, k.relaxed));
    });
  }

  it('the plain-SIMD variant has no relaxed instruction left, nested operands included', () => {
    const text = '(local.set $a (f32x4.relaxed_madd (v128.load (local.get $w)) (f32x4.relaxed_madd (local.get $x) (local.get $y) (local.get $z)) (local.get $a)))';
    const plain: string = rewriteRelaxed(text);
    expect(plain).not.toMatch(/relaxed/);
    expect(plain).toBe('(local.set $a (f32x4.add (f32x4.mul (v128.load (local.get $w)) (f32x4.add (f32x4.mul (local.get $x) (local.get $y)) (local.get $z))) (local.get $a)))');
    const code = readFileSync(join(root, 'src/core/kernels/ternary.wat'), 'utf8').replace(/;;.*$/gm, '');
    expect(code).toMatch(/relaxed_/);
    expect(rewriteRelaxed(code)).not.toMatch(/relaxed_/);
  });
});
