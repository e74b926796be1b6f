/**
 * Checkpoints on `file:` are read by range in the job process, never whole.
 * Other schemes (Remote over a virtual FS, vscode-vfs, zip, …) have no path
 * the job process can open, so we copy the file through workspace.fs into
 * the extension's storage — but only up to a size limit, because
 * workspace.fs.readFile holds the whole file in memory.
 */
import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';

export const DEFAULT_REMOTE_LIMIT_MB = 512;

export async function localPathFor(uri: vscode.Uri, storage: vscode.Uri): Promise<string> {
  if (uri.scheme === 'file') return uri.fsPath;

  const limitMb = vscode.workspace.getConfiguration('bitnetLab').get<number>('remoteSizeLimitMB', DEFAULT_REMOTE_LIMIT_MB);
  const info = await vscode.workspace.fs.stat(uri);
  const name = basename(uri.path);
  if (info.size > limitMb * 1024 * 1024) {
    throw new Error(
      `${uri.toString(true)}: ${(info.size / 1e6).toFixed(0)} MB is above the ${limitMb} MB limit for files that are not on the local file system ` +
        '(they must be read whole through VS Code). Copy the checkpoint to a local folder, or raise "bitnetLab.remoteSizeLimitMB".',
    );
  }
  if (name.endsWith('.index.json')) {
    throw new Error(`${uri.toString(true)}: sharded checkpoints can only be opened from the local file system (each shard would have to be copied whole).`);
  }

  // One copy per remote file version: the key covers the URI, size and mtime.
  const key = createHash('sha256').update(`${uri.toString()}\n${info.size}\n${info.mtime}`).digest('hex').slice(0, 16);
  const dir = join(storage.fsPath, 'remote-copies', key);
  const target = join(dir, name);
  if (await exists(target, info.size)) return target;
  await mkdir(dir, { recursive: true });
  const bytes = await vscode.workspace.fs.readFile(uri);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, bytes);
  await rename(temp, target);
  return target;
}

async function exists(path: string, size: number): Promise<boolean> {
  try {
    return (await stat(path)).size === size;
  } catch {
    return false;
  }
}
