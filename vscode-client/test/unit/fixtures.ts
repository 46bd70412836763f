/** Proposal builders for the unit tests: real unified-diff hunks of small texts. */

import type { FileChange, Hunk, HunkStatus, Proposal } from '../../src/protocol';

/** A hunk replacing `oldLines` at 1-based `oldStart` (no context lines unless given). */
export function hunk(id: string, oldStart: number, oldLines: string[], newLines: string[], opts: { status?: HunkStatus; context?: number } = {}): Hunk {
  const context = opts.context ?? 0;
  const body = [
    ...oldLines.slice(0, context).map((l) => ` ${l.replace(/\n$/, '')}`),
    ...oldLines.slice(context).map((l) => `-${l.replace(/\n$/, '')}`),
    ...newLines.slice(context).map((l) => `+${l.replace(/\n$/, '')}`),
  ];
  const header = `@@ -${oldStart},${oldLines.length} +${oldStart},${newLines.length} @@`;
  return { id, oldStart, oldLines, newLines, diff: `${[header, ...body].join('\n')}\n`, status: opts.status ?? 'pending' };
}

export function file(path: string, newText: string, hunks: Hunk[]): FileChange {
  return { path, uri: `file:///ws/${path}`, baseHash: 'h', newText, hunks };
}

export function proposal(id: string, files: FileChange[], extra: Partial<Proposal> = {}): Proposal {
  return {
    id,
    kind: 'edit',
    level: 'selection',
    instruction: 'Add a docstring.',
    rationale: '',
    model: 'bundled',
    createdAt: '2026-11-22T10:00:00+00:00',
    status: 'pending',
    warnings: [],
    sources: [],
    files,
    ...extra,
  };
}

/**
 * calc.py-like base with two hunks: a docstring inserted after line 1 (context line 1), and
 * line 5 replaced by two lines.
 */
export const BASE = ['def add(a, b):\n', '    return a + b\n', '\n', '\n', 'def sub(a, b):\n', '    return a - b\n'];

export function twoHunkFile(statuses: [HunkStatus, HunkStatus] = ['pending', 'pending']): FileChange {
  const h1 = hunk('h1', 1, ['def add(a, b):\n'], ['def add(a, b):\n', '    """Add."""\n'], { status: statuses[0], context: 1 });
  const h2 = hunk('h2', 5, ['def sub(a, b):\n'], ['def sub(a: int, b: int):\n', '    # subtract\n'], { status: statuses[1] });
  const newText = [BASE[0], '    """Add."""\n', ...BASE.slice(1, 4), 'def sub(a: int, b: int):\n', '    # subtract\n', BASE[5]].join('');
  return file('calc.py', newText, [h1, h2]);
}
