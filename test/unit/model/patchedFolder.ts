/**
 * A copy of an HF model folder with config.json patched: the other files are
 * symlinked, so a variant costs nothing. For tests that need the same weights
 * under another configuration.
 */
import { mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function patchedFolder(folder: string, patch: Record<string, unknown>): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'patched-model-'));
  for (const name of await readdir(folder)) {
    if (name !== 'config.json') await symlink(join(folder, name), join(out, name));
  }
  const config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8'));
  await writeFile(join(out, 'config.json'), JSON.stringify({ ...config, ...patch }, null, 2));
  return out;
}
