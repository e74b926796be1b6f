/**
 * The `bitnetLab.checkpoints` view: open checkpoints → layer groups →
 * tensors. Selecting a tensor reveals it in the inspector.
 */
import * as vscode from 'vscode';
import type { TensorReport } from '../../core/analysis/report.js';
import type { CheckpointModel } from '../checkpointModel.js';
import type { CheckpointRegistry } from '../checkpointRegistry.js';
import { groupOf, groupTensorNames, OTHER_GROUP } from '../layerGroups.js';
import { formatBytes, formatCount, formatPercent } from './format.js';

export type CheckpointNode =
  | { kind: 'checkpoint'; path: string }
  | { kind: 'group'; path: string; key: string; tensors: string[] }
  | { kind: 'tensor'; path: string; name: string };

export const REVEAL_TENSOR_COMMAND = 'bitnetLab.revealTensor';

export class CheckpointsTreeProvider implements vscode.TreeDataProvider<CheckpointNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<CheckpointNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscription: { dispose(): void };
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly registry: CheckpointRegistry) {
    // Streaming analyses change the tree many times a second: redraw at most every 300 ms.
    this.subscription = registry.onDidChange(() => {
      this.refreshTimer ??= setTimeout(() => {
        this.refreshTimer = undefined;
        this.emitter.fire(undefined);
      }, 300);
    });
  }

  dispose(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.subscription.dispose();
    this.emitter.dispose();
  }

  getChildren(node?: CheckpointNode): CheckpointNode[] {
    if (!node) return this.registry.list().map((m) => ({ kind: 'checkpoint', path: m.path }));
    const model = this.registry.get(node.path);
    if (!model) return [];
    if (node.kind === 'checkpoint') {
      return groupTensorNames([...model.tensors.keys()]).map((g) => ({ kind: 'group', path: node.path, key: g.key, tensors: g.tensors }));
    }
    if (node.kind === 'group') return node.tensors.map((name) => ({ kind: 'tensor', path: node.path, name }));
    return [];
  }

  getParent(node: CheckpointNode): CheckpointNode | undefined {
    if (node.kind === 'checkpoint') return undefined;
    if (node.kind === 'group') return { kind: 'checkpoint', path: node.path };
    const key = groupOf(node.name).group;
    const model = this.registry.get(node.path);
    const group = groupTensorNames(model ? [...model.tensors.keys()] : []).find((g) => g.key === key);
    return { kind: 'group', path: node.path, key, tensors: group?.tensors ?? [] };
  }

  getTreeItem(node: CheckpointNode): vscode.TreeItem {
    const model = this.registry.get(node.path);
    if (node.kind === 'checkpoint') return checkpointItem(node, model);
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.key === OTHER_GROUP ? 'embeddings, norms, head' : node.key, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `${node.path}::group::${node.key}`;
      item.description = `${node.tensors.length} tensors`;
      item.iconPath = new vscode.ThemeIcon('layers');
      item.contextValue = 'bitnetLab.layerGroup';
      return item;
    }
    return tensorItem(node, model?.tensors.get(node.name));
  }
}

function checkpointItem(node: CheckpointNode, model: CheckpointModel | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(model?.fileName ?? node.path, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `${node.path}::checkpoint`;
  item.resourceUri = vscode.Uri.file(node.path);
  item.tooltip = node.path;
  item.contextValue = 'bitnetLab.checkpoint';
  const totals = model?.totals;
  const status =
    model?.phase === 'analyzing' ? 'analysing…' : model?.phase === 'failed' ? 'error' : model?.phase === 'cancelled' ? 'cancelled' : model?.phase === 'opening' ? 'opening…' : '';
  item.description = [totals ? `${formatCount(totals.params)} params · ${formatBytes(totals.bytes)}` : '', status].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon(model?.phase === 'failed' ? 'error' : model?.phase === 'analyzing' ? 'sync~spin' : 'database');
  return item;
}

function tensorItem(node: Extract<CheckpointNode, { kind: 'tensor' }>, t: TensorReport | undefined): vscode.TreeItem {
  const rest = groupOf(node.name).rest;
  const item = new vscode.TreeItem(rest, vscode.TreeItemCollapsibleState.None);
  item.id = `${node.path}::tensor::${node.name}`;
  item.contextValue = 'bitnetLab.tensor';
  item.command = { command: REVEAL_TENSOR_COMMAND, title: 'Reveal in Inspector', arguments: [node.path, node.name] };
  if (!t) return item;
  const parts = [`${t.dtype} [${t.shape.join('×')}]`];
  if (t.stats) parts.push(`γ ${t.stats.gamma.toPrecision(3)}`, `0: ${formatPercent(t.stats.zeroFraction)}`);
  else if (!t.quantized && t.reason) parts.push(t.reason);
  item.description = parts.join(' · ');
  item.tooltip = `${node.name}\n${t.dtype} [${t.shape.join(', ')}] · ${formatCount(t.params)} params${t.error ? `\n${t.error}` : ''}`;
  item.iconPath = new vscode.ThemeIcon(t.error ? 'warning' : t.quantized ? 'symbol-numeric' : 'symbol-constant');
  return item;
}
