/**
 * File-handle leak detector for fuzz workers: every FileHandle opened through
 * fs/promises is tracked until closed. A reader that fails half-way must
 * close what it opened; a handle still open after the case's source was
 * closed (or after open failed) is a leak — in the extension host those add
 * up until the process runs out of descriptors.
 */
import fsp, { type FileHandle } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

const live = new Set<FileHandle>();

export function installHandleGuard(): void {
  const original = fsp.open;
  const tracked = async (...args: Parameters<typeof fsp.open>): Promise<FileHandle> => {
    const h = await original(...args);
    live.add(h);
    const close = h.close.bind(h);
    h.close = async () => {
      live.delete(h);
      return close();
    };
    return h;
  };
  (fsp as { open: typeof fsp.open }).open = tracked;
  // Make `import { open } from 'node:fs/promises'` in already-linked modules see the wrapper.
  syncBuiltinESMExports();
}

/** Closes and reports handles left open since the last call. */
export async function takeLeaks(): Promise<number> {
  const n = live.size;
  for (const h of [...live]) await h.close().catch(() => undefined);
  live.clear();
  return n;
}
