/**
 * The Proposals view (proposal -> files -> hunks) in the tether activity-bar container.
 *
 * Nodes come from proposalTree.ts; inline actions (accept, reject, open diff, show context)
 * are package.json menu entries keyed on each node's contextValue.
 */

import * as vscode from 'vscode';

import { ProposalCache } from './proposalCache';
import { buildTree, TreeNode } from './proposalTree';

const HUNK_ICONS: Record<string, vscode.ThemeIcon> = {
  pending: new vscode.ThemeIcon('circle-outline'),
  accepted: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  rejected: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('testing.iconFailed')),
  conflict: new vscode.ThemeIcon('warning', new vscode.ThemeColor('editorWarning.foreground')),
};

export class ProposalsView implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscription: { dispose(): void };
  private roots: TreeNode[] = [];

  constructor(cache: ProposalCache) {
    this.subscription = cache.onDidChange(() => {
      this.roots = buildTree(cache.all());
      this.emitter.fire();
    });
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) {
      return this.roots;
    }
    return node.kind === 'hunk' ? [] : node.children;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const collapsed = node.kind === 'hunk'
      ? vscode.TreeItemCollapsibleState.None
      : node.kind === 'proposal' && !node.open
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded;
    const item = new vscode.TreeItem(node.label, collapsed);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    if (node.kind === 'proposal') {
      item.iconPath = new vscode.ThemeIcon(node.open ? 'git-pull-request-draft' : 'git-pull-request-closed');
    } else if (node.kind === 'file') {
      item.resourceUri = vscode.Uri.parse(node.uri);
      item.command = { title: 'Open for Review', command: 'tether.openDiff', arguments: [node] };
    } else {
      item.iconPath = HUNK_ICONS[node.status];
      item.command = { title: 'Open for Review', command: 'tether.openDiff', arguments: [node] };
    }
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
