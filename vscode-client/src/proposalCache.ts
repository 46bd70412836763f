/**
 * The client's copy of the server's proposals, refreshed from responses and
 * tether/listProposals; the review UI and the Proposals view read it.
 *
 * Pure (no `vscode` import): listeners are plain callbacks, and URIs are compared after the
 * caller's normalization (VS Code and the server may percent-encode differently).
 */

import type { FileChange, Hunk, Proposal } from './protocol';

const openHunk = (h: Hunk): boolean => h.status === 'pending' || h.status === 'conflict';

export interface FileRef {
  proposal: Proposal;
  file: FileChange;
}

function isOpen(proposal: Proposal): boolean {
  return proposal.status === 'pending' || proposal.status === 'partial';
}

export class ProposalCache {
  private readonly byId = new Map<string, Proposal>();
  private readonly listeners = new Set<(ids: string[]) => void>();

  /** @param normalizeUri maps a URI string to the form documents are compared in */
  constructor(private readonly normalizeUri: (uri: string) => string = (uri) => uri) {}

  /** Subscribe to changes; the callback gets the ids that changed. Returns an unsubscribe. */
  onDidChange(listener: (ids: string[]) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  get(id: string): Proposal | undefined {
    return this.byId.get(id);
  }

  all(): Proposal[] {
    return [...this.byId.values()];
  }

  /** Add or replace one proposal (a create, accept or reject response). */
  set(proposal: Proposal): void {
    this.byId.set(proposal.id, proposal);
    this.emit([proposal.id]);
  }

  /**
   * Take the server's open proposals (a tether/listProposals response). Closed proposals this
   * client saw stay, so the view can show what was just accepted; an open one the list lacks
   * was closed elsewhere and goes.
   */
  syncOpen(open: Proposal[]): void {
    const listed = new Set(open.map((p) => p.id));
    const ids = new Set([...this.byId.keys(), ...listed]);
    for (const [id, cached] of this.byId) {
      if (!listed.has(id) && isOpen(cached)) {
        this.byId.delete(id);
      }
    }
    for (const proposal of open) {
      this.byId.set(proposal.id, proposal);
    }
    this.emit([...ids]);
  }

  /** One file of one proposal, by workspace-relative path. */
  file(proposalId: string, path: string): FileRef | undefined {
    const proposal = this.byId.get(proposalId);
    const file = proposal?.files.find((f) => f.path === path);
    return proposal && file ? { proposal, file } : undefined;
  }

  /** Files with open (pending or conflict) hunks for a document URI, newest proposal first. */
  pendingFor(uri: string): FileRef[] {
    const want = this.normalizeUri(uri);
    return this.newestFirst()
      .flatMap((proposal) => proposal.files.map((file) => ({ proposal, file })))
      .filter(({ file }) => this.normalizeUri(file.uri) === want && file.hunks.some(openHunk));
  }

  /** The newest proposal that still has open (pending or conflict) hunks. */
  newestOpen(): Proposal | undefined {
    return this.newestFirst().find((p) => p.files.some((f) => f.hunks.some(openHunk)));
  }

  private newestFirst(): Proposal[] {
    return this.all().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  private emit(ids: string[]): void {
    for (const listener of this.listeners) {
      listener(ids);
    }
  }
}
