/** The SLURM shape the user types: "2x8", "2 × 8", or "8" (one node). No 'vscode' import. */
export function parseShape(text: string): [nodes: number, gpusPerNode: number] | undefined {
  const m = /^\s*(?:(\d+)\s*[x×*]\s*)?(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const nodes = m[1] === undefined ? 1 : Number(m[1]);
  const gpus = Number(m[2]);
  return nodes >= 1 && gpus >= 1 ? [nodes, gpus] : undefined;
}

/** Why `nodes` × `gpusPerNode` ranks cannot train a batch of `batchSize`, or undefined when they can. */
export function shapeProblem(batchSize: number, nodes: number, gpusPerNode: number): string | undefined {
  const ranks = nodes * gpusPerNode;
  return batchSize % ranks === 0 ? undefined : `batch size ${batchSize} is not a multiple of ${nodes} × ${gpusPerNode} = ${ranks} ranks (every rank takes an equal slice of each batch)`;
}
