/**
 * Next-edit suggestions in the editor: after a typing pause, ask the server
 * (`textDocument/copilotInlineEdit`) for the next edit and draw it as a small inline diff
 * (old text red, new text green) with a hint; Tab jumps to it when it is away from the cursor,
 * Tab again accepts it; Escape dismisses. An insertion at the cursor is left to the inline
 * completion provider (ghost text). Off unless `tether.nextEdit.enabled` is true.
 *
 * The decisions (ghost / diff / jump, what Tab does) are in nextEditModel.ts.
 */

import * as vscode from 'vscode';

import {
  addedLabel,
  hintOf,
  INLINE_EDIT_METHOD,
  isCurrent,
  jumpTarget,
  NextEdit,
  readInlineEdits,
  tabAction,
  viewOf,
} from './nextEditModel';
import type { Range } from './protocol';
import type { TetherServer } from './server';
import { SECTION } from './settings';

/** Context key: a next-edit suggestion is drawn in the active editor (the Tab/Escape bindings). */
export const VISIBLE_KEY = 'tether.nextEditVisible';
export const TAB_COMMAND = 'tether.nextEdit.tab';
export const DISMISS_COMMAND = 'tether.nextEdit.dismiss';

function toRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

export class NextEdits implements vscode.Disposable {
  private readonly removed = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
    textDecoration: 'line-through',
  });
  private readonly added = vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor('gitDecoration.addedResourceForeground'),
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
      margin: '0 0 0 0.3em',
    },
  });
  private readonly hint = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em', fontStyle: 'italic' },
  });
  private readonly disposables: vscode.Disposable[] = [];
  private current: NextEdit | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending: vscode.CancellationTokenSource | undefined;
  /** Set while this class applies an edit, so the change it makes does not dismiss the request it starts. */
  private applying = false;

  constructor(
    private readonly server: TetherServer,
    private readonly log?: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      vscode.commands.registerCommand(TAB_COMMAND, () => this.tab()),
      vscode.commands.registerCommand(DISMISS_COMMAND, () => this.clear()),
      vscode.workspace.onDidChangeTextDocument((event) => this.onChange(event)),
      vscode.window.onDidChangeTextEditorSelection((event) => event.textEditor === vscode.window.activeTextEditor && this.render()),
      vscode.window.onDidChangeActiveTextEditor(() => this.clear()),
    );
  }

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  private enabled(): boolean {
    return this.config().get<boolean>('nextEdit.enabled', false) === true;
  }

  private onChange(event: vscode.TextDocumentChangeEvent): void {
    const editor = vscode.window.activeTextEditor;
    if (!editor || event.document !== editor.document || event.contentChanges.length === 0) {
      return;
    }
    if (!this.applying) {
      this.clear();
    }
    if (!this.enabled() || event.document.uri.scheme !== 'file') {
      return;
    }
    const debounce = this.config().get<number>('nextEdit.debounceMs', 150);
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => void this.request(editor), Math.max(0, debounce));
  }

  /** Ask for the next edit at the cursor; the newest request wins (the previous one is cancelled). */
  private async request(editor: vscode.TextEditor): Promise<void> {
    this.timer = undefined;
    this.pending?.cancel();
    const source = new vscode.CancellationTokenSource();
    this.pending = source;
    const document = editor.document;
    const version = document.version;
    const uri = document.uri.toString();
    const position = editor.selection.active;
    let result: unknown;
    try {
      result = await this.server.request(
        INLINE_EDIT_METHOD,
        { textDocument: { uri, version }, position: { line: position.line, character: position.character } },
        source.token,
      );
    } catch (err) {
      if (!source.token.isCancellationRequested) {
        this.log?.warn(`next edit request failed: ${err}`);
      }
      return; // cancelled, or the server is not running: no suggestion
    }
    if (source.token.isCancellationRequested || this.pending !== source || document.version !== version) {
      return;
    }
    this.pending = undefined;
    const edit = readInlineEdits(result, uri, (range) => document.getText(toRange(range)));
    this.log?.debug(`next edit at ${position.line}:${position.character}: ${edit ? JSON.stringify(edit.range) : 'none'}`);
    if (!edit || vscode.window.activeTextEditor !== editor) {
      return;
    }
    this.current = { ...edit, version };
    this.render();
  }

  /** Draw the current suggestion in the active editor (nothing for ghost text) and set the context key. */
  private render(): void {
    const editor = vscode.window.activeTextEditor;
    const edit = this.current;
    if (!editor || !edit || !isCurrent(edit, editor.document.uri.toString(), editor.document.version)) {
      // Only what is drawn goes: a request waiting for its debounce or its answer stays.
      this.hide();
      return;
    }
    const cursor = editor.selection.active;
    const view = viewOf(edit, { line: cursor.line, character: cursor.character });
    if (view === 'ghost') {
      this.setDecorations(editor, [], [], []);
      void vscode.commands.executeCommand('setContext', VISIBLE_KEY, false);
      return;
    }
    const range = toRange(edit.range);
    const hintLine = view === 'jump' ? cursor.line : range.end.line;
    const hintAt = editor.document.lineAt(hintLine).range.end;
    this.setDecorations(
      editor,
      range.isEmpty ? [] : [range],
      [{ range: new vscode.Range(range.end, range.end), renderOptions: { after: { contentText: addedLabel(edit.text) } } }],
      [{ range: new vscode.Range(hintAt, hintAt), renderOptions: { after: { contentText: hintOf(view) } } }],
    );
    void vscode.commands.executeCommand('setContext', VISIBLE_KEY, true);
  }

  private setDecorations(editor: vscode.TextEditor, removed: vscode.Range[], added: vscode.DecorationOptions[], hint: vscode.DecorationOptions[]): void {
    editor.setDecorations(this.removed, removed);
    editor.setDecorations(this.added, added);
    editor.setDecorations(this.hint, hint);
  }

  /** Tab: jump to a suggestion away from the cursor, else apply it (and ask for the next one). */
  private async tab(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const edit = this.current;
    if (!editor || !edit || !isCurrent(edit, editor.document.uri.toString(), editor.document.version)) {
      this.clear();
      return;
    }
    const cursor = editor.selection.active;
    if (tabAction(edit, { line: cursor.line, character: cursor.character }) === 'jump') {
      const target = jumpTarget(edit);
      const at = new vscode.Position(target.line, target.character);
      editor.selection = new vscode.Selection(at, at);
      editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      this.render();
      return;
    }
    this.clear();
    const range = toRange(edit.range);
    this.applying = true;
    try {
      const done = await editor.edit((builder) => builder.replace(range, edit.text));
      if (done) {
        const lines = edit.text.split('\n');
        const endLine = range.start.line + lines.length - 1;
        const endChar = (lines.length === 1 ? range.start.character : 0) + lines[lines.length - 1].length;
        const end = new vscode.Position(endLine, endChar);
        editor.selection = new vscode.Selection(end, end);
      }
    } finally {
      this.applying = false;
    }
  }

  /** Drop the suggestion, its decorations, the pending request and the context key. */
  clear(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pending?.cancel();
    this.pending = undefined;
    this.hide();
  }

  /** Drop the suggestion, its decorations and the context key; a pending request goes on. */
  private hide(): void {
    const hadOne = this.current !== undefined;
    this.current = undefined;
    for (const editor of vscode.window.visibleTextEditors) {
      this.setDecorations(editor, [], [], []);
    }
    if (hadOne) {
      void vscode.commands.executeCommand('setContext', VISIBLE_KEY, false);
    }
  }

  dispose(): void {
    this.clear();
    this.disposables.forEach((d) => d.dispose());
    this.removed.dispose();
    this.added.dispose();
    this.hint.dispose();
  }
}
