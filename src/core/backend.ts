/**
 * TensorFlow.js backend selection — the only place that decides it.
 *
 * Preference order for 'auto': tfjs-node ('tensorflow', native, fastest, but an
 * optional dependency that cannot install everywhere), then 'wasm' (SIMD,
 * single thread in Node), then 'cpu' (plain JS, exact but slow).
 *
 * We import '@tensorflow/tfjs' (not tfjs-core) because only the union package
 * registers gradients, which training needs.
 */
import type * as TF from '@tensorflow/tfjs';
import { nodeRequire } from './nodeRequire.js';

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface ActiveBackend {
  tf: typeof TF;
  /** The tfjs backend name actually in use: 'tensorflow' | 'wasm' | 'cpu'. */
  name: string;
  /** Why this one: which were tried and why they failed. */
  notes: string[];
}

let active: Promise<ActiveBackend> | undefined;
let activePreference: BackendPreference | undefined;

/**
 * Initialise tfjs once per process. Asking again with another preference
 * switches backend (tfjs supports several registered backends).
 */
export function initBackend(preference: BackendPreference = 'auto'): Promise<ActiveBackend> {
  if (active && activePreference === preference) return active;
  activePreference = preference;
  active = selectBackend(preference);
  return active;
}

async function selectBackend(preference: BackendPreference): Promise<ActiveBackend> {
  const notes: string[] = [];
  const order: Array<'tensorflow' | 'wasm' | 'cpu'> =
    preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];

  const tf = nodeRequire('@tensorflow/tfjs') as typeof TF;
  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        // Registers the 'tensorflow' backend on the shared tfjs-core when the native binding loads.
        nodeRequire('@tensorflow/tfjs-node');
      } else if (name === 'wasm') {
        nodeRequire('@tensorflow/tfjs-backend-wasm');
      }
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
      await tf.ready();
      return { tf, name: tf.getBackend(), notes };
    } catch (e) {
      notes.push(`${name}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be started (${notes.join('; ')})`);
}

/** Parse a user-supplied backend name (flag or setting). */
export function parseBackendPreference(s: string | undefined): BackendPreference {
  if (s === undefined || s === '') return 'auto';
  if ((BACKEND_PREFERENCES as readonly string[]).includes(s)) return s as BackendPreference;
  throw new Error(`unknown backend "${s}" (choose ${BACKEND_PREFERENCES.join(', ')})`);
}
