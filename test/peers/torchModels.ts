/**
 * Real PyTorch for the model tests: the tiny Hugging Face folders of
 * scripts/fixtures/make_hf_models.py, built once into a cache folder keyed
 * by the scripts' content, and the independent float64 forward pass of
 * scripts/fixtures/torch_reference.py, called with JSON in and out.
 *
 * On CI a missing torch is a failure, never a silent skip: `torchAvailable`
 * throws there, so a comparison that should have run cannot pass without it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PYTHON = process.env.BITNET_LAB_PYTHON ?? '/usr/bin/python3';
const SCRIPTS = resolve(__dirname, '..', '..', 'scripts', 'fixtures');
const MAKE = join(SCRIPTS, 'make_hf_models.py');
const REFERENCE = join(SCRIPTS, 'torch_reference.py');

/** The folders make_hf_models.py writes. */
export type HfModelName =
  | 'llama'
  | 'llama3-rope'
  | 'bitnet-2b4t'
  | 'bitnet-silu'
  | 'bitnet-2b4t-packed-autobitlinear'
  | 'bitnet-2b4t-packed-bitlinear';

let available: boolean | undefined;

/** True when /usr/bin/python3 imports torch; on CI its absence throws instead. */
export function torchAvailable(): boolean {
  if (available === undefined) {
    try {
      execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
      available = true;
    } catch {
      available = false;
    }
  }
  if (!available && process.env.CI) throw new Error(`PyTorch is not importable by ${PYTHON}: install Debian's python3-torch`);
  return available;
}

function cacheRoot(): string {
  const hash = createHash('sha256');
  for (const f of [MAKE, join(SCRIPTS, 'make_torch_fixtures.py')]) hash.update(readFileSync(f));
  return join(process.env.BITNET_LAB_CACHE ?? join(tmpdir(), 'bitnet-lab-cache'), `hf-models-${hash.digest('hex').slice(0, 16)}`);
}

let built: Promise<string> | undefined;

/**
 * The folder holding every model (one per HfModelName). Built in a temp
 * folder and renamed into place, so parallel test files never see half a set.
 */
export function hfModelsRoot(): Promise<string> {
  built ??= (async () => {
    const root = cacheRoot();
    if (existsSync(join(root, 'done'))) return root;
    const parent = resolve(root, '..');
    await mkdir(parent, { recursive: true });
    const tmp = await mkdtemp(join(parent, 'building-'));
    try {
      await run(PYTHON, [MAKE, tmp]);
      await writeFile(join(tmp, 'done'), '');
      await rename(tmp, root).catch(async (e: NodeJS.ErrnoException) => {
        // Another worker won the race: its copy is identical.
        if (!existsSync(join(root, 'done'))) throw e;
        await rm(tmp, { recursive: true, force: true });
      });
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return root;
  })();
  return built;
}

export async function hfModel(name: HfModelName): Promise<string> {
  return join(await hfModelsRoot(), name);
}

export type ReferenceMode = 'fp' | 'ternary' | 'stored';

export interface ReferenceResult {
  /** Mean NLL in nats per predicted token over the windows. */
  nll?: number;
  predicted?: number;
  windowNll?: number[];
  /** [n, vocab] float32 logits of `logits`, when asked. */
  logits?: Float32Array;
  logitsShape?: [number, number];
}

/** PyTorch's float64 forward of `model` on token ids: logits of one sequence and/or NLL over windows. */
export async function torchReference(
  model: string,
  mode: ReferenceMode,
  request: { logits?: number[]; windows?: number[][] },
): Promise<ReferenceResult> {
  const dir = await mkdtemp(join(tmpdir(), 'torch-ref-'));
  try {
    const logitsOut = join(dir, 'logits.f32');
    const input = JSON.stringify({ model, mode, ...request, logitsOut });
    const stdout = await run(PYTHON, [REFERENCE], input);
    const reply = JSON.parse(stdout) as ReferenceResult;
    if (request.logits !== undefined) {
      const bytes = await readFile(logitsOut);
      reply.logits = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    }
    return reply;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
    child.stdin.end(input ?? '');
  });
}
