/**
 * Next-edit suggestions, the pure part: reading a `textDocument/copilotInlineEdit` result,
 * deciding how a suggestion shows (ghost text, inline diff, or a jump hint) and what Tab does.
 *
 * Pure (no `vscode` import). Positions are LSP positions: 0-based lines, UTF-16 characters
 * (the client's default position encoding). The wire shape is in docs/lsp.md ("Next edit").
 */

import { JOIN } from './inline';
import type { Position, Range } from './protocol';

export const INLINE_EDIT_METHOD = 'textDocument/copilotInlineEdit';

/** One suggested edit: replace `range` of the document `uri` (at `version`, when sent) by `text`. */
export interface NextEdit {
  uri: string;
  version?: number;
  range: Range;
  text: string;
}

/**
 * How a suggestion shows:
 * - `ghost`: an insertion at the cursor; VS Code's inline completion (the server's
 *   `inlineCompletion` item with a `range`) already shows it as ghost text, so this client
 *   draws nothing of its own.
 * - `diff`: a replacement (or an insertion away from the cursor column) on the cursor's lines:
 *   old text red, new text green, "Tab to accept".
 * - `jump`: the edit lies on other lines: the same diff there, and "Tab to jump" at the cursor.
 */
export type NextEditView = 'ghost' | 'diff' | 'jump';

function isPosition(value: unknown): value is Position {
  const p = value as Position | undefined;
  return !!p && Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.character >= 0;
}

function isRange(value: unknown): value is Range {
  const r = value as Range | undefined;
  return !!r && isPosition(r.start) && isPosition(r.end) && comparePositions(r.start, r.end) <= 0;
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function comparePositions(a: Position, b: Position): number {
  return a.line !== b.line ? a.line - b.line : a.character - b.character;
}

/**
 * The first usable edit of a `copilotInlineEdit` result for the document `uri`, or undefined
 * (no edit, an edit of another document, a malformed range, or an edit that changes nothing
 * because `oldText(range)` already equals its text). Never throws on bad input.
 */
export function readInlineEdits(result: unknown, uri: string, oldText?: (range: Range) => string): NextEdit | undefined {
  const edits = (result as { edits?: unknown } | null | undefined)?.edits;
  if (!Array.isArray(edits)) {
    return undefined;
  }
  for (const raw of edits) {
    const edit = raw as { range?: unknown; text?: unknown; textDocument?: { uri?: unknown; version?: unknown } } | null;
    if (!edit || !isRange(edit.range) || typeof edit.text !== 'string') {
      continue;
    }
    const docUri = edit.textDocument?.uri;
    if (typeof docUri === 'string' && docUri !== uri) {
      continue;
    }
    if (oldText && oldText(edit.range) === edit.text) {
      continue;
    }
    const version = edit.textDocument?.version;
    return { uri, range: edit.range, text: edit.text, ...(Number.isInteger(version) ? { version: version as number } : {}) };
  }
  return undefined;
}

/** How `edit` shows for a cursor at `cursor` (see NextEditView). */
export function viewOf(edit: NextEdit, cursor: Position): NextEditView {
  const { start, end } = edit.range;
  if (comparePositions(start, end) === 0 && comparePositions(start, cursor) === 0 && !edit.text.includes('\n')) {
    return 'ghost';
  }
  return cursor.line >= start.line && cursor.line <= end.line ? 'diff' : 'jump';
}

/** What Tab does: move the cursor to the edit first when it is away, else apply it. */
export function tabAction(edit: NextEdit, cursor: Position): 'jump' | 'accept' {
  return viewOf(edit, cursor) === 'jump' ? 'jump' : 'accept';
}

/** The hint drawn after the cursor's line (jump) or the edit's last line (diff). */
export function hintOf(view: NextEditView): string {
  return view === 'jump' ? 'Tab to jump' : view === 'diff' ? 'Tab to accept, Esc to dismiss' : '';
}

/** The new text as one decoration line: its lines joined with JOIN (decorations hold no line breaks). */
export function addedLabel(text: string): string {
  return text.replace(/\r\n/g, '\n').split('\n').join(JOIN);
}

/** Where the cursor goes on a jump: the start of the edit. */
export function jumpTarget(edit: NextEdit): Position {
  return edit.range.start;
}

/**
 * Whether a suggestion still applies after the document changed to `version`: only when the
 * server named no version or the same one. A stale suggestion is dropped, never applied.
 */
export function isCurrent(edit: NextEdit, uri: string, version: number): boolean {
  return edit.uri === uri && (edit.version === undefined || edit.version === version);
}

/**
 * The document text with `edit` applied, for a document given as lines without line endings
 * (`\n` joins them). Character offsets are UTF-16 code units, as JavaScript strings index.
 */
export function applyToLines(lines: string[], edit: NextEdit): string[] {
  const { start, end } = edit.range;
  if (end.line >= lines.length) {
    throw new RangeError(`edit ends on line ${end.line}, the document has ${lines.length} lines`);
  }
  const head = lines[start.line].slice(0, start.character);
  const tail = lines[end.line].slice(end.character);
  return [...lines.slice(0, start.line), ...(head + edit.text + tail).split('\n'), ...lines.slice(end.line + 1)];
}
