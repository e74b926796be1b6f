/**
 * A CommonJS `require` that works both in our esbuild CJS bundles (where
 * `require` exists) and under vitest's ESM transform (where it does not).
 * Used for packages that must stay outside the bundle (tfjs, tfjs-node).
 */
import { createRequire } from 'node:module';

declare const require: NodeJS.Require | undefined;

export const nodeRequire: NodeJS.Require =
  typeof require === 'function' ? require : createRequire(import.meta.url);
