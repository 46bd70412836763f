/**
 * Diff review: proposed text as virtual `tether-proposal:` documents, shown on the right of
 * VS Code's diff editor against the file, with "Accept | Reject" CodeLenses per hunk.
 *
 * A proposal document's URI is `tether-proposal:/<workspace path>?<proposalId>`; its text is
 * the base with accepted and pending hunks applied, so a rejected hunk drops out of the diff
 * and an accepted one stops differing once the file holds it.
 */

import * as vscode from 'vscode';

import { HunkSpan, hunkSpans, pickHunk, Side, sideText } from './hunks';
import { FileRef, ProposalCache } from './proposalCache';
import type { FileChange, Proposal } from './protocol';

export const PROPOSAL_SCHEME = 'tether-proposal';

export function proposalUri(proposalId: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${path}`, query: proposalId });
}

function parseProposalUri(uri: vscode.Uri): { proposalId: string; path: string } | undefined {
  if (uri.scheme !== PROPOSAL_SCHEME || !uri.query) {
    return undefined;
  }
  return { proposalId: uri.query, path: uri.path.replace(/^\//, '') };
}

export function normalizeUri(uri: string): string {
  return vscode.Uri.parse(uri).toString();
}

/** Serves the proposed text of each (proposal, file) and signals when it changes. */
export class ProposalDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription: { dispose(): void };

  constructor(private readonly cache: ProposalCache) {
    this.subscription = cache.onDidChange((ids) => this.refresh(new Set(ids)));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const where = parseProposalUri(uri);
    const ref = where && this.cache.file(where.proposalId, where.path);
    // The fragment 'base' is the left side for a file the proposal creates.
    return ref ? sideText(ref.file, uri.fragment === 'base' ? 'current' : 'proposed') : '';
  }

  private refresh(ids: Set<string>): void {
    for (const doc of vscode.workspace.textDocuments) {
      const where = parseProposalUri(doc.uri);
      if (where && ids.has(where.proposalId)) {
        this.emitter.fire(doc.uri);
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

/** The proposal file a document shows, and which side of the diff it is. */
export interface DocumentHunks extends FileRef {
  side: Side;
  spans: HunkSpan[];
}

/** Hunks of the proposal(s) a document belongs to: a proposal document, or a file with pending hunks. */
export function documentHunks(cache: ProposalCache, uri: vscode.Uri): DocumentHunks[] {
  const where = parseProposalUri(uri);
  if (where) {
    const ref = cache.file(where.proposalId, where.path);
    return ref ? [{ ...ref, side: 'proposed', spans: hunkSpans(ref.file, 'proposed') }] : [];
  }
  return cache.pendingFor(uri.toString()).map((ref) => ({ ...ref, side: 'current', spans: hunkSpans(ref.file, 'current') }));
}

/** "Accept | Reject" above every pending hunk, in files and in proposal documents. */
export class HunkLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly subscription: { dispose(): void };

  private readonly visible: vscode.Disposable;

  constructor(private readonly cache: ProposalCache) {
    this.subscription = cache.onDidChange(() => this.emitter.fire());
    this.visible = vscode.window.onDidChangeVisibleTextEditors(() => this.emitter.fire());
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const lenses: vscode.CodeLens[] = [];
    const shown = new Set(vscode.window.visibleTextEditors.map((e) => e.document.uri.toString()));
    for (const { proposal, file, side, spans } of documentHunks(this.cache, document.uri)) {
      // Next to its proposal in a diff editor, the file's own lenses would only repeat them.
      if (side === 'current' && shown.has(proposalUri(proposal.id, file.path).toString())) {
        continue;
      }
      for (const span of spans.filter((s) => s.hunk.status === 'pending')) {
        const line = Math.min(span.firstChange, Math.max(document.lineCount - 1, 0));
        const range = new vscode.Range(line, 0, line, 0);
        const args = { proposalId: proposal.id, hunkId: span.hunk.id };
        lenses.push(
          new vscode.CodeLens(range, { title: '$(check) Accept', command: 'tether.acceptHunk', arguments: [args] }),
          new vscode.CodeLens(range, { title: '$(close) Reject', command: 'tether.rejectHunk', arguments: [args] }),
        );
      }
    }
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.visible.dispose();
    this.emitter.dispose();
  }
}

/** Put the cursor on the next pending hunk of the active editor, so the next keystroke reviews it. */
export function revealNextHunk(cache: ProposalCache): void {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    return;
  }
  for (const doc of documentHunks(cache, editor.document.uri)) {
    const span = pickHunk(doc.spans, editor.selection.active.line);
    if (span) {
      const at = new vscode.Position(Math.min(span.firstChange, Math.max(editor.document.lineCount - 1, 0)), 0);
      editor.selection = new vscode.Selection(at, at);
      editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      return;
    }
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Open the diff editor: the file on the left, the proposal on the right, at a hunk. */
export async function openDiff(proposal: Proposal, file: FileChange, hunkId?: string): Promise<void> {
  const right = proposalUri(proposal.id, file.path);
  const fileUri = vscode.Uri.parse(file.uri);
  // A file the proposal creates does not exist yet: compare against its (empty) base.
  const left = (await exists(fileUri)) ? fileUri : right.with({ fragment: 'base' });
  const spans = hunkSpans(file, 'proposed');
  const target = spans.find((s) => s.hunk.id === hunkId) ?? spans.find((s) => s.hunk.status === 'pending') ?? spans[0];
  const line = target?.firstChange ?? 0;
  const title = `${file.path} ↔ tether: ${proposal.instruction.split('\n')[0].slice(0, 40)}`;
  await vscode.commands.executeCommand('vscode.diff', left, right, title, {
    preview: false,
    selection: new vscode.Range(line, 0, line, 0),
  });
}

export const CONTEXT_SCHEME = 'tether-context';

/** Read-only "what the model saw" documents: `tether-context:/<proposalId>.md`. */
export class ContextDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '';
  }

  async show(proposalId: string, text: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: CONTEXT_SCHEME, path: `/${proposalId}.md` });
    this.texts.set(uri.path, text);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }
}

/** Keeps the `tether.reviewing` context key (used by keybindings) true while the active editor has pending hunks. */
export function trackReviewContext(cache: ProposalCache): vscode.Disposable {
  const update = (): void => {
    const editor = vscode.window.activeTextEditor;
    const reviewing = !!editor && documentHunks(cache, editor.document.uri).some((d) =>
      d.spans.some((s) => s.hunk.status === 'pending'),
    );
    void vscode.commands.executeCommand('setContext', 'tether.reviewing', reviewing);
  };
  const subscription = cache.onDidChange(update);
  const editors = vscode.window.onDidChangeActiveTextEditor(update);
  update();
  return vscode.Disposable.from(editors, { dispose: () => subscription.dispose() });
}
