/**
 * Real llama.cpp for the peer tests: node-llama-cpp's prebuilt CPU build,
 * installed by scripts/install-llama-cpp.sh into a cache folder (it is a test
 * peer, not a dependency of ours, so it is imported by path and typed here
 * only as far as the tests use it).
 *
 * On CI a missing install is a failure, never a silent skip: `llamaCppAvailable`
 * throws there, so a test that should have run in llama.cpp cannot pass without it.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export function llamaCppDir(): string {
  return process.env.BITNET_LAB_LLAMA_CPP_DIR ?? join(homedir(), '.cache', 'bitnet-lab', 'node-llama-cpp');
}

function entryPoint(): string {
  return join(llamaCppDir(), 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
}

/** True when llama.cpp is installed; on CI its absence throws instead. */
export function llamaCppAvailable(): boolean {
  const present = existsSync(entryPoint());
  if (!present && process.env.CI) {
    throw new Error(`llama.cpp (node-llama-cpp) is not installed in ${llamaCppDir()}: run scripts/install-llama-cpp.sh`);
  }
  return present;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the peer's own types are not a dependency of ours
export type NodeLlamaCpp = any;

let llamaPromise: Promise<{ module: NodeLlamaCpp; llama: NodeLlamaCpp }> | undefined;

/** Who sees llama.cpp's log lines besides stderr (tests that assert what llama.cpp said). */
const logListeners = new Set<(message: string) => void>();

/**
 * Runs `f` and returns what llama.cpp logged meanwhile (at the 'error' level
 * the shared instance logs at), so a test can assert the runtime's own words,
 * e.g. its reason for refusing a file.
 */
export async function llamaCppLog<T>(f: () => Promise<T>): Promise<{ log: string; result: T | undefined; error: unknown }> {
  const lines: string[] = [];
  const listener = (m: string): void => void lines.push(m);
  logListeners.add(listener);
  try {
    const result = await f();
    return { log: lines.join('\n'), result, error: undefined };
  } catch (error) {
    return { log: lines.join('\n'), result: undefined, error };
  } finally {
    logListeners.delete(listener);
  }
}

/** The node-llama-cpp module and one CPU-only Llama instance, shared by a test file. */
export function loadLlamaCpp(): Promise<{ module: NodeLlamaCpp; llama: NodeLlamaCpp }> {
  llamaPromise ??= (async () => {
    const module = await import(pathToFileURL(entryPoint()).href);
    const llama = await module.getLlama({
      gpu: false,
      build: 'never',
      skipDownload: true,
      logLevel: 'error',
      logger: (_level: string, message: string) => {
        for (const l of logListeners) l(message);
        console.error(`[node-llama-cpp] ${message}`);
      },
    });
    return { module, llama };
  })();
  return llamaPromise;
}
