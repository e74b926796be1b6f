import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs build script without type declarations
import { KERNELS, compileWat, generatedModule } from '../../../scripts/build-kernels.mjs';

const root = join(__dirname, '../../..');

describe('committed kernel bytes', () => {
  for (const k of KERNELS as Array<{ wat: string; out: string; name: string }>) {
    it(`${k.out} is the compilation of ${k.wat} (rebuild with npm run build if this fails)`, async () => {
      const watName = k.wat.split('/').pop()!;
      const bytes: Uint8Array = await compileWat(watName, readFileSync(join(root, k.wat), 'utf8'));
      expect(readFileSync(join(root, k.out), 'utf8')).toBe(generatedModule(watName, k.name, bytes));
    });
  }
});
