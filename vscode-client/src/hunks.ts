/**
 * Hunk line math for the review UI: where each hunk sits in the file as it is now and in the
 * proposed text, and what the proposed text is after some hunks were accepted or rejected.
 *
 * Pure (no `vscode` import). Lines are 0-based here; the wire's `oldStart` is 1-based.
 * A hunk keeps its place in the base text, so positions shift by the line-count delta of the
 * hunks before it that are applied in the document being looked at.
 */

import type { FileChange, Hunk } from './protocol';

/** Which document a span is computed for. */
export type Side =
  /** The file in the editor: base plus accepted hunks. */
  | 'current'
  /** The proposal shown on the right of the diff: base plus accepted and pending hunks. */
  | 'proposed';

export interface HunkSpan {
  hunk: Hunk;
  /** 0-based first line of the hunk in the document, context included. */
  start: number;
  /** Lines the hunk occupies in that document. */
  lines: number;
  /** 0-based first changed (non-context) line: where the CodeLens goes. */
  firstChange: number;
}

/** Split text into lines that keep their line endings (the last may have none). */
export function splitLines(text: string): string[] {
  if (text === '') {
    return [];
  }
  return text.split(/(?<=\n)/);
}

function sorted(hunks: Hunk[]): Hunk[] {
  return [...hunks].sort((a, b) => a.oldStart - b.oldStart);
}

function delta(hunk: Hunk): number {
  return hunk.newLines.length - hunk.oldLines.length;
}

/** Context lines before the first `-` or `+` line of a hunk's unified diff. */
export function leadingContext(hunk: Hunk): number {
  let count = 0;
  for (const line of hunk.diff.split('\n').slice(1)) {
    if (!line.startsWith(' ')) {
      break;
    }
    count += 1;
  }
  return count;
}

/** Whether a hunk's new lines are present in the document for this side. */
function appliedOn(hunk: Hunk, side: Side): boolean {
  return side === 'current' ? hunk.status === 'accepted' : hunk.status !== 'rejected';
}

/** Where every hunk of a file sits in the document for `side`, in base order. */
export function hunkSpans(file: FileChange, side: Side): HunkSpan[] {
  let shift = 0;
  const spans: HunkSpan[] = [];
  for (const hunk of sorted(file.hunks)) {
    const applied = appliedOn(hunk, side);
    const start = hunk.oldStart - 1 + shift;
    const lines = applied ? hunk.newLines.length : hunk.oldLines.length;
    spans.push({ hunk, start, lines, firstChange: start + Math.min(leadingContext(hunk), Math.max(lines - 1, 0)) });
    if (applied) {
      shift += delta(hunk);
    }
  }
  return spans;
}

/**
 * The base text the proposal was made from, rebuilt from `newText` by putting each hunk's
 * old lines back. Undefined when the hunks do not match `newText` (a malformed proposal).
 */
export function baseLines(file: FileChange): string[] | undefined {
  const lines = splitLines(file.newText);
  const out: string[] = [];
  let cursor = 0;
  let shift = 0;
  for (const hunk of sorted(file.hunks)) {
    const newStart = hunk.oldStart - 1 + shift;
    const segment = lines.slice(newStart, newStart + hunk.newLines.length);
    if (newStart < cursor || !sameLines(segment, hunk.newLines)) {
      return undefined;
    }
    out.push(...lines.slice(cursor, newStart), ...hunk.oldLines);
    cursor = newStart + hunk.newLines.length;
    shift += delta(hunk);
  }
  out.push(...lines.slice(cursor));
  return out;
}

function sameLines(a: string[], b: string[]): boolean {
  // The last line of a file may lack its newline on one side only ("\ No newline").
  return a.length === b.length && a.every((line, i) => line.replace(/\r?\n$/, '') === b[i].replace(/\r?\n$/, ''));
}

/** Base lines with the chosen hunks applied (any subset, in base order). */
export function applyHunks(base: string[], hunks: Hunk[]): string[] {
  const out: string[] = [];
  let cursor = 0;
  for (const hunk of sorted(hunks)) {
    const start = hunk.oldStart - 1;
    out.push(...base.slice(cursor, start), ...hunk.newLines);
    cursor = start + hunk.oldLines.length;
  }
  out.push(...base.slice(cursor));
  return out;
}

/**
 * Text for one side: 'proposed' is what the diff editor shows on the right (rejected hunks
 * dropped), 'current' what the file should hold now. Falls back to `newText` when the
 * proposal's hunks cannot be matched against it.
 */
export function sideText(file: FileChange, side: Side): string {
  const base = baseLines(file);
  if (base === undefined) {
    return file.newText;
  }
  return applyHunks(base, file.hunks.filter((h) => appliedOn(h, side))).join('');
}

/**
 * The hunk a keystroke acts on: the open (pending or conflict) hunk under the cursor, else the
 * next open one below it, else the last open one above it.
 */
export function pickHunk(spans: HunkSpan[], cursorLine: number): HunkSpan | undefined {
  const pending = spans.filter((s) => s.hunk.status === 'pending' || s.hunk.status === 'conflict');
  const under = pending.find((s) => cursorLine >= s.start && cursorLine < s.start + Math.max(s.lines, 1));
  if (under) {
    return under;
  }
  const below = pending.find((s) => s.start > cursorLine);
  return below ?? pending[pending.length - 1];
}

/** "+3 −1" for a hunk: lines added and removed. */
export function hunkStats(hunk: Hunk): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of hunk.diff.split('\n').slice(1)) {
    if (line.startsWith('+')) {
      added += 1;
    } else if (line.startsWith('-')) {
      removed += 1;
    }
  }
  return { added, removed };
}
