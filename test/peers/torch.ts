/**
 * Real PyTorch for the torchrun tests: Debian's python3-torch (1.13, CPU,
 * gloo) behind /usr/bin/python3 (peers.md §4). BITNET_LAB_TORCH_PYTHON
 * points elsewhere. On CI a missing torch is a failure, never a silent skip.
 */
import { execFileSync } from 'node:child_process';

export const TORCH_PYTHON = process.env.BITNET_LAB_TORCH_PYTHON ?? '/usr/bin/python3';

let available: boolean | undefined;

export function torchAvailable(): boolean {
  if (available === undefined) {
    try {
      execFileSync(TORCH_PYTHON, ['-c', 'import torch, torch.distributed as d; assert d.is_gloo_available()'], { stdio: 'ignore', timeout: 120_000 });
      available = true;
    } catch {
      available = false;
    }
  }
  if (!available && process.env.CI) throw new Error(`PyTorch with gloo is not importable by ${TORCH_PYTHON}: install python3-torch`);
  return available;
}
