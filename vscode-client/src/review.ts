/**
 * Review, in two modes (`tether.review.mode`):
 *
 * - `inline` (the default): in the file's own editor, each open hunk drawn as decorations (the
 *   lines it removes in red, the lines it adds as green text; see inline.ts), a conflict hunk
 *   marked in orange, "Accept | Reject" (conflict: "Take proposal | Reject") CodeLenses above
 *   each. Nothing is applied to the buffer until a hunk is accepted.
 * - `diff`: proposed text as virtual `tether-proposal:` documents, shown on the right of
 *   VS Code's diff editor against the file, with the same CodeLenses per hunk.
 *
 * A proposal document's URI is `tether-proposal:/<workspace path>?<proposalId>`; its text is
 * the base with accepted and pending hunks applied, so a rejected hunk drops out of the diff
 * and an accepted one stops differing once the file holds it.
 */

import * as vscode from 'vscode';

import { HunkSpan, hunkSpans, pickHunk, Side, sideText } from './hunks';
import { inlineHunks, inlineSpans } from './inline';
import { FileRef, ProposalCache } from './proposalCache';
import type { FileChange, Proposal } from './protocol';

export type ReviewMode = 'inline' | 'diff';

/** The `tether.review.mode` setting: anything but "diff" is inline. */
export function reviewMode(): ReviewMode {
  return vscode.workspace.getConfiguration('tether').get<string>('review.mode') === 'diff' ? 'diff' : 'inline';
}

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

/**
 * Hunks of the proposal(s) a document belongs to: a proposal document, or a file with open
 * hunks (placed as inline review draws them, in a buffer of `lineCount` lines).
 */
export function documentHunks(cache: ProposalCache, uri: vscode.Uri, lineCount = Number.MAX_SAFE_INTEGER): DocumentHunks[] {
  const where = parseProposalUri(uri);
  if (where) {
    const ref = cache.file(where.proposalId, where.path);
    return ref ? [{ ...ref, side: 'proposed', spans: hunkSpans(ref.file, 'proposed') }] : [];
  }
  return cache.pendingFor(uri.toString()).map((ref) => ({ ...ref, side: 'current', spans: inlineSpans(inlineHunks(ref.file, lineCount)) }));
}

/** "Accept | Reject" above every pending hunk, "Conflict: Take proposal | Reject" above a conflict, in files and proposal documents. */
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
    for (const { proposal, file, side, spans } of documentHunks(this.cache, document.uri, document.lineCount)) {
      // Next to its proposal in a diff editor, the file's own lenses would only repeat them.
      if (side === 'current' && shown.has(proposalUri(proposal.id, file.path).toString())) {
        continue;
      }
      for (const span of spans.filter((s) => s.hunk.status === 'pending' || s.hunk.status === 'conflict')) {
        const line = Math.min(span.firstChange, Math.max(document.lineCount - 1, 0));
        const range = new vscode.Range(line, 0, line, 0);
        const args = { proposalId: proposal.id, hunkId: span.hunk.id };
        if (span.hunk.status === 'conflict') {
          lenses.push(
            new vscode.CodeLens(range, {
              title: '$(warning) Conflict: Take proposal',
              tooltip: 'You edited these lines since the proposal was made: replace your version with the proposal',
              command: 'tether.acceptHunk',
              arguments: [{ ...args, overwriteConflicts: true }],
            }),
            new vscode.CodeLens(range, { title: '$(close) Reject', command: 'tether.rejectHunk', arguments: [args] }),
          );
          continue;
        }
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
  for (const doc of documentHunks(cache, editor.document.uri, editor.document.lineCount)) {
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

/**
 * Open a file's hunks for review the way `tether.review.mode` says: inline, the file's own
 * editor with the cursor on the hunk; diff, the diff editor. A file that does not exist yet (a
 * proposal creates it) has no buffer to draw on, so it opens in the diff editor either way.
 */
export async function openReview(proposal: Proposal, file: FileChange, hunkId?: string): Promise<void> {
  const fileUri = vscode.Uri.parse(file.uri);
  if (reviewMode() === 'diff' || !(await exists(fileUri))) {
    await openDiff(proposal, file, hunkId);
    return;
  }
  const document = await vscode.workspace.openTextDocument(fileUri);
  const hunks = inlineHunks(file, document.lineCount);
  const target = hunks.find((h) => h.hunk.id === hunkId) ?? hunks[0];
  const line = target?.anchor ?? 0;
  await vscode.window.showTextDocument(document, { preview: false, selection: new vscode.Range(line, 0, line, 0) });
}

const CONFLICT_BACKGROUND = 'rgba(255, 140, 0, 0.22)';

/** Draws the open hunks of every visible file editor in inline mode (and clears them in diff mode). */
export class InlineDecorations implements vscode.Disposable {
  private readonly removed = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('diffEditor.removedLineBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.deletedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly conflict = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: CONFLICT_BACKGROUND,
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.warningForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly added = vscode.window.createTextEditorDecorationType({
    rangeBehavior: vscode.DecorationRangeBehavior.OpenOpen,
    after: {
      color: new vscode.ThemeColor('gitDecoration.addedResourceForeground'),
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
      margin: '0 0 0 1.5em',
    },
    before: {
      color: new vscode.ThemeColor('gitDecoration.addedResourceForeground'),
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
      margin: '0 1.5em 0 0',
    },
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.addedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly subscriptions: { dispose(): void }[];

  constructor(private readonly cache: ProposalCache) {
    this.subscriptions = [
      cache.onDidChange(() => this.renderAll()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('tether.review.mode') && this.renderAll()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // Typing within lines moves no hunk, but the green text has to stay at the end of its
        // line. Changes that add or remove lines wait for the server's re-located ranges
        // (tether/proposalsChanged); VS Code moves the decorations with the text meanwhile.
        if (e.contentChanges.every((c) => c.range.isSingleLine && !/[\r\n]/.test(c.text))) {
          vscode.window.visibleTextEditors.filter((ed) => ed.document === e.document).forEach((ed) => this.render(ed));
        }
      }),
    ];
    this.renderAll();
  }

  renderAll(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      this.render(editor);
    }
  }

  private render(editor: vscode.TextEditor): void {
    const removed: vscode.DecorationOptions[] = [];
    const conflict: vscode.DecorationOptions[] = [];
    const added: vscode.DecorationOptions[] = [];
    if (reviewMode() === 'inline' && editor.document.uri.scheme === 'file') {
      for (const { proposal, file } of this.cache.pendingFor(editor.document.uri.toString())) {
        for (const h of inlineHunks(file, editor.document.lineCount)) {
          const hover = new vscode.MarkdownString(`**tether** · ${proposal.instruction.split('\n')[0]} · ${h.hunk.status}\n\n\`\`\`diff\n${h.hunk.diff}\`\`\``);
          for (const line of h.removed) {
            (h.conflict ? conflict : removed).push({ range: editor.document.lineAt(line).range, hoverMessage: hover });
          }
          for (const a of h.added) {
            const range = editor.document.lineAt(a.line).range;
            const text = { contentText: `+ ${a.text.replace(/^\s+/, (ws) => '\u00a0'.repeat(ws.length))}` };
            // The whole line, growing with typing at either end: the text stays after (before) it.
            added.push({
              range,
              hoverMessage: hover,
              renderOptions: a.where === 'after' ? { after: text } : { before: text },
            });
          }
        }
      }
    }
    editor.setDecorations(this.removed, removed);
    editor.setDecorations(this.conflict, conflict);
    editor.setDecorations(this.added, added);
  }

  dispose(): void {
    for (const s of this.subscriptions) {
      s.dispose();
    }
    this.removed.dispose();
    this.conflict.dispose();
    this.added.dispose();
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
      d.spans.some((s) => s.hunk.status === 'pending' || s.hunk.status === 'conflict'),
    );
    void vscode.commands.executeCommand('setContext', 'tether.reviewing', reviewing);
  };
  const subscription = cache.onDidChange(update);
  const editors = vscode.window.onDidChangeActiveTextEditor(update);
  update();
  return vscode.Disposable.from(editors, { dispose: () => subscription.dispose() });
}
