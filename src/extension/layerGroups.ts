/**
 * Tensor names → layer groups for the checkpoints tree. Transformer
 * checkpoints number their blocks in the name ("model.layers.12.mlp.up_proj.weight",
 * GGUF "blk.12.ffn_up.weight"); the group is the name up to and including the
 * first all-digit segment, ordered by that number. Names without one
 * (embeddings, final norm, output head) share one group.
 */
export const OTHER_GROUP = '(non-layer tensors)';

export interface LayerGroup {
  /** "model.layers.12", or OTHER_GROUP. */
  key: string;
  /** Block index, or undefined for OTHER_GROUP. */
  index: number | undefined;
  /** Full tensor names, in checkpoint order. */
  tensors: string[];
}

export interface GroupedName {
  group: string;
  index: number | undefined;
  /** What is left of the name inside the group ("mlp.up_proj.weight"). */
  rest: string;
}

export function groupOf(name: string): GroupedName {
  const parts = name.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (/^\d+$/.test(parts[i]!) && i < parts.length - 1) {
      return { group: parts.slice(0, i + 1).join('.'), index: Number(parts[i]), rest: parts.slice(i + 1).join('.') };
    }
  }
  return { group: OTHER_GROUP, index: undefined, rest: name };
}

/**
 * Groups in model order: numbered blocks by prefix then index (so "encoder.layers.2"
 * sorts before "encoder.layers.10"), the non-layer group first because
 * embeddings usually lead a checkpoint.
 */
export function groupTensorNames(names: readonly string[]): LayerGroup[] {
  const groups = new Map<string, LayerGroup>();
  for (const name of names) {
    const g = groupOf(name);
    let group = groups.get(g.group);
    if (!group) {
      group = { key: g.group, index: g.index, tensors: [] };
      groups.set(g.group, group);
    }
    group.tensors.push(name);
  }
  return [...groups.values()].sort(compareGroups);
}

function compareGroups(a: LayerGroup, b: LayerGroup): number {
  if (a.index === undefined || b.index === undefined) {
    if (a.index === b.index) return 0;
    return a.index === undefined ? -1 : 1;
  }
  const pa = prefixOf(a.key);
  const pb = prefixOf(b.key);
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.index - b.index;
}

function prefixOf(key: string): string {
  const dot = key.lastIndexOf('.');
  return dot < 0 ? '' : key.slice(0, dot);
}
