/**
 * The Proposals view's tree (proposal -> files -> hunks), built from the server's proposals.
 *
 * Pure (no `vscode` import): proposalsView.ts turns these nodes into TreeItems. contextValue
 * strings drive the inline actions declared in package.json `menus.view/item/context`.
 */

import { hunkStats } from './hunks';
import type { HunkStatus, Proposal } from './protocol';

/** Closed proposals (done, rejected, empty) kept in the view below the open ones. */
export const MAX_CLOSED = 5;

interface NodeBase {
  /** Stable id, so the view keeps expansion state across refreshes. */
  id: string;
  proposalId: string;
  label: string;
  description: string;
  tooltip: string;
  contextValue: string;
}

export interface HunkNode extends NodeBase {
  kind: 'hunk';
  hunkId: string;
  path: string;
  status: HunkStatus;
}

export interface FileNode extends NodeBase {
  kind: 'file';
  path: string;
  uri: string;
  children: HunkNode[];
}

export interface ProposalNode extends NodeBase {
  kind: 'proposal';
  open: boolean;
  children: FileNode[];
}

export type TreeNode = ProposalNode | FileNode | HunkNode;

const OPEN = new Set(['pending', 'partial']);

function shorten(text: string, max: number): string {
  const line = text.split('\n')[0].trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** What the view says of a hunk: waiting (pending), needing a choice (conflict), or reviewed and how. */
export function hunkState(status: HunkStatus): string {
  return status === 'pending' || status === 'conflict' ? status : `reviewed: ${status}`;
}

function hunkNodes(proposal: Proposal, path: string, hunks: Proposal['files'][number]['hunks']): HunkNode[] {
  return [...hunks]
    .sort((a, b) => a.oldStart - b.oldStart)
    .map((hunk) => {
      const { added, removed } = hunkStats(hunk);
      const header = hunk.diff.split('\n')[0] || `@@ line ${hunk.oldStart} @@`;
      return {
        kind: 'hunk',
        id: `h:${proposal.id}:${hunk.id}`,
        proposalId: proposal.id,
        hunkId: hunk.id,
        path,
        status: hunk.status,
        label: header,
        description: `+${added} −${removed} · ${hunkState(hunk.status)}`,
        tooltip: hunk.diff,
        contextValue: `tether.hunk.${hunk.status}`,
      };
    });
}

function fileNode(proposal: Proposal, file: Proposal['files'][number]): FileNode {
  const children = hunkNodes(proposal, file.path, file.hunks);
  const slash = file.path.lastIndexOf('/');
  const pending = children.filter((h) => h.status === 'pending').length;
  const conflicts = children.filter((h) => h.status === 'conflict').length;
  const reviewed = children.length - pending - conflicts;
  return {
    kind: 'file',
    id: `f:${proposal.id}:${file.path}`,
    proposalId: proposal.id,
    path: file.path,
    uri: file.uri,
    label: file.path.slice(slash + 1),
    description: `${slash > 0 ? `${file.path.slice(0, slash)} · ` : ''}${reviewed}/${children.length} reviewed · ${pending} pending${conflicts ? ` · ${conflicts} conflict` : ''}`,
    tooltip: file.path,
    contextValue: 'tether.file',
    children,
  };
}

function proposalNode(proposal: Proposal): ProposalNode {
  const hunks = proposal.files.reduce((sum, f) => sum + f.hunks.length, 0);
  const open = OPEN.has(proposal.status);
  const tooltip = [
    proposal.instruction,
    `${proposal.level} · ${proposal.status} · ${plural(hunks, 'hunk')} · ${proposal.model || 'model'}`,
    proposal.rationale,
    ...proposal.warnings.map((w) => `⚠ ${w}`),
  ].filter(Boolean).join('\n');
  return {
    kind: 'proposal',
    id: `p:${proposal.id}`,
    proposalId: proposal.id,
    label: shorten(proposal.instruction, 60) || proposal.id,
    description: `${proposal.status} · ${proposal.level}${proposal.warnings.length ? ' · ⚠' : ''}`,
    tooltip,
    contextValue: open ? 'tether.proposal.open' : 'tether.proposal.closed',
    open,
    children: proposal.files.map((file) => fileNode(proposal, file)),
  };
}

/** Root nodes: open proposals first, then the newest few closed ones; newest first in each. */
export function buildTree(proposals: Proposal[]): ProposalNode[] {
  const newestFirst = [...proposals].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const open = newestFirst.filter((p) => OPEN.has(p.status));
  const closed = newestFirst.filter((p) => !OPEN.has(p.status) && p.status !== 'empty').slice(0, MAX_CLOSED);
  return [...open, ...closed].map(proposalNode);
}
