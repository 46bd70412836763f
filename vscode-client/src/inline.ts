/**
 * Inline review layout: where each open hunk of a file shows in the file's own editor.
 *
 * Nothing is applied to the buffer until a hunk is accepted, so a hunk is drawn as
 * decorations: the buffer lines it would remove (red), and the lines it would add as green
 * text after a buffer line (VS Code decorations cannot insert whole lines, so added line i of a
 * change sits after removed line i, and added lines beyond the removed ones, or those of a
 * pure insertion, are joined with " ⏎ " after the last line of the change or the line before
 * the insertion). A conflict hunk marks the person's version of its lines instead.
 *
 * Pure (no `vscode` import). Lines are 0-based buffer lines. The place comes from the hunk's
 * `range` when the server sends one (it follows the typing); otherwise from `oldStart`
 * shifted by the hunks accepted before it (a server without hunk anchoring).
 */

import { HunkSpan, hunkSpans, leadingContext } from './hunks';
import type { FileChange, Hunk } from './protocol';

/** Joins added lines that have to share one buffer line. */
export const JOIN = '  ⏎  ';

export interface InlineAdded {
  /** Buffer line the text is drawn on. */
  line: number;
  /** The added line(s), without line endings. */
  text: string;
  /** After the line's text, or (an insertion at the top of the file) before it. */
  where: 'after' | 'before';
}

export interface InlineHunk {
  hunk: Hunk;
  conflict: boolean;
  /** Buffer line of the CodeLens, and where the cursor goes to review the hunk. */
  anchor: number;
  /** Buffer lines the hunk removes (pending) or the person's lines it conflicts with (conflict). */
  removed: number[];
  added: InlineAdded[];
  /** First and last buffer line the hunk is drawn on (inclusive). */
  start: number;
  end: number;
}

type Op = { kind: ' ' | '-' | '+'; text: string };

/** The body of a hunk's unified diff (no header, no "\ No newline" markers). */
export function diffOps(hunk: Hunk): Op[] {
  const ops: Op[] = [];
  for (const line of hunk.diff.split('\n').slice(1)) {
    const kind = line[0];
    if (kind === ' ' || kind === '-' || kind === '+') {
      ops.push({ kind, text: line.slice(1).replace(/\r$/, '') });
    }
  }
  return ops;
}

/** Whether a hunk still waits for a decision (pending, or a conflict the person has to resolve). */
export function isOpenHunk(hunk: Hunk): boolean {
  return hunk.status === 'pending' || hunk.status === 'conflict';
}

function clamp(line: number, lineCount: number): number {
  return Math.max(0, Math.min(line, Math.max(lineCount - 1, 0)));
}

/** First buffer line of each hunk's own (non-context) lines: the server's range, else oldStart math. */
function ownStart(hunk: Hunk, span: HunkSpan | undefined): number {
  if (hunk.range) {
    return hunk.range.start.line;
  }
  return (span?.start ?? hunk.oldStart - 1) + leadingContext(hunk);
}

/** Lay out one pending hunk whose own lines start at buffer line `first`. */
function layoutPending(hunk: Hunk, first: number, lineCount: number): Omit<InlineHunk, 'anchor' | 'start' | 'end'> {
  const ops = diffOps(hunk);
  const removed: number[] = [];
  const added: InlineAdded[] = [];
  let cur = first;
  let groupRemoved: number[] = [];
  let groupAdded: string[] = [];
  const flush = (): void => {
    if (groupAdded.length > 0) {
      if (groupRemoved.length > 0) {
        const r = groupRemoved.length;
        groupAdded.slice(0, r - 1).forEach((text, i) => added.push({ line: groupRemoved[i], text, where: 'after' }));
        const rest = groupAdded.slice(Math.min(r - 1, groupAdded.length));
        if (rest.length > 0) {
          added.push({ line: groupRemoved[Math.min(r, groupAdded.length) - 1], text: rest.join(JOIN), where: 'after' });
        }
      } else if (cur > 0) {
        added.push({ line: clamp(cur - 1, lineCount), text: groupAdded.join(JOIN), where: 'after' });
      } else {
        added.push({ line: 0, text: groupAdded.join(JOIN), where: 'before' });
      }
    }
    groupRemoved = [];
    groupAdded = [];
  };
  for (const op of ops.slice(leadingContext(hunk))) {
    if (op.kind === ' ') {
      flush();
      cur += 1;
    } else if (op.kind === '-') {
      if (groupAdded.length > 0) {
        flush();
      }
      removed.push(clamp(cur, lineCount));
      groupRemoved.push(clamp(cur, lineCount));
      cur += 1;
    } else {
      groupAdded.push(op.text);
    }
  }
  flush();
  return { hunk, conflict: false, removed, added };
}

/** A conflict: the person's lines (the server's range) marked, the proposal's added lines after them. */
function layoutConflict(hunk: Hunk, first: number, lineCount: number): Omit<InlineHunk, 'anchor' | 'start' | 'end'> {
  const end = hunk.range ? hunk.range.end.line : first + hunk.oldLines.length - leadingContext(hunk);
  const removed: number[] = [];
  for (let line = first; line < end; line += 1) {
    removed.push(clamp(line, lineCount));
  }
  const proposed = diffOps(hunk).filter((op) => op.kind === '+').map((op) => op.text);
  const at = removed.length > 0 ? removed[removed.length - 1] : clamp(first - 1, lineCount);
  const added: InlineAdded[] = proposed.length > 0 ? [{ line: at, text: proposed.join(JOIN), where: first === 0 && removed.length === 0 ? 'before' : 'after' }] : [];
  return { hunk, conflict: true, removed: [...new Set(removed)], added };
}

/** Every open (pending or conflict) hunk of a file, laid out for a buffer of `lineCount` lines, in buffer order. */
export function inlineHunks(file: FileChange, lineCount: number): InlineHunk[] {
  const spans = new Map(hunkSpans(file, 'current').map((span) => [span.hunk.id, span]));
  const out: InlineHunk[] = [];
  for (const hunk of file.hunks.filter(isOpenHunk)) {
    const first = ownStart(hunk, spans.get(hunk.id));
    const laid = hunk.status === 'conflict' ? layoutConflict(hunk, first, lineCount) : layoutPending(hunk, first, lineCount);
    const lines = [...laid.removed, ...laid.added.map((a) => a.line)];
    const start = lines.length > 0 ? Math.min(...lines) : clamp(first, lineCount);
    const end = lines.length > 0 ? Math.max(...lines) : start;
    out.push({ ...laid, anchor: start, start, end });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The inline hunks as spans for pickHunk (the hunk at or after the cursor). */
export function inlineSpans(hunks: InlineHunk[]): HunkSpan[] {
  return hunks.map((h) => ({ hunk: h.hunk, start: h.start, lines: h.end - h.start + 1, firstChange: h.anchor }));
}
