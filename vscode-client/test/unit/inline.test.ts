import assert from 'node:assert/strict';
import { test } from 'node:test';

import { pickHunk } from '../../src/hunks';
import { diffOps, inlineHunks, inlineSpans, JOIN } from '../../src/inline';
import type { Hunk } from '../../src/protocol';
import { file, hunk, twoHunkFile } from './fixtures';

const LINES = 6;
const at = (line: number): Hunk['range'] => ({ start: { line, character: 0 }, end: { line, character: 0 } });
const span = (start: number, end: number): Hunk['range'] => ({ start: { line: start, character: 0 }, end: { line: end, character: 0 } });

test('diffOps reads the body of a hunk without its header', () => {
  const [h1] = twoHunkFile().hunks;
  assert.deepEqual(diffOps(h1), [{ kind: ' ', text: 'def add(a, b):' }, { kind: '+', text: '    """Add."""' }]);
});

test('a pure insertion shows its lines after the line before it; a replacement marks the removed line red', () => {
  const [ins, rep] = inlineHunks(twoHunkFile(), LINES);
  assert.deepEqual([ins.removed, ins.added, ins.anchor, ins.conflict], [[], [{ line: 0, text: '    """Add."""', where: 'after' }], 0, false]);
  assert.deepEqual(rep.removed, [4]);
  assert.deepEqual(rep.added, [{ line: 4, text: `def sub(a: int, b: int):${JOIN}    # subtract`, where: 'after' }]);
  assert.deepEqual([rep.start, rep.end, rep.anchor], [4, 4, 4]);
});

test('without a server range, a hunk moves down by the lines of the accepted hunks above it', () => {
  const [rep] = inlineHunks(twoHunkFile(['accepted', 'pending']), LINES + 1);
  assert.deepEqual([rep.hunk.id, rep.removed], ['h2', [5]]);
  assert.deepEqual(inlineHunks(twoHunkFile(['rejected', 'accepted']), LINES), []);
});

test("the server's range places a hunk where typing moved it", () => {
  const f = twoHunkFile();
  f.hunks[0].range = at(3);
  f.hunks[1].range = span(9, 10);
  const [ins, rep] = inlineHunks(f, 12);
  assert.deepEqual([ins.added[0].line, rep.removed, rep.added[0].line], [2, [9], 9]);
});

test('added lines pair with removed ones; the rest share the last removed line', () => {
  const f = file('x.py', 'A\nB\nC\n', [hunk('h3', 1, ['a\n', 'b\n'], ['A\n', 'B\n', 'C\n'])]);
  const [h] = inlineHunks(f, 2);
  assert.deepEqual(h.removed, [0, 1]);
  assert.deepEqual(h.added, [{ line: 0, text: 'A', where: 'after' }, { line: 1, text: `B${JOIN}C`, where: 'after' }]);
  const fewer = inlineHunks(file('y.py', 'A\n', [hunk('h4', 1, ['a\n', 'b\n', 'c\n'], ['A\n'])]), 3)[0];
  assert.deepEqual([fewer.removed, fewer.added], [[0, 1, 2], [{ line: 0, text: 'A', where: 'after' }]]);
});

test('an insertion at the top of the file is drawn before the first line', () => {
  const [h] = inlineHunks(file('z.py', 'new\nold\n', [hunk('h5', 1, [], ['new\n'])]), 1);
  assert.deepEqual(h.added, [{ line: 0, text: 'new', where: 'before' }]);
});

test("a conflict marks the person's lines from the range and shows the proposal after them", () => {
  const f = twoHunkFile(['accepted', 'conflict']);
  f.hunks[1].range = span(6, 8);
  const [c] = inlineHunks(f, 10);
  assert.equal(c.conflict, true);
  assert.deepEqual(c.removed, [6, 7]);
  assert.deepEqual(c.added, [{ line: 7, text: `def sub(a: int, b: int):${JOIN}    # subtract`, where: 'after' }]);
});

test('the keys act on the open hunk under or after the cursor, conflicts included', () => {
  const f = twoHunkFile(['pending', 'conflict']);
  f.hunks[1].range = span(4, 5);
  const spans = inlineSpans(inlineHunks(f, LINES));
  assert.equal(pickHunk(spans, 0)?.hunk.id, 'h1');
  assert.equal(pickHunk(spans, 2)?.hunk.id, 'h2');
  assert.equal(pickHunk(spans, 4)?.hunk.id, 'h2');
  assert.equal(pickHunk(spans, 5)?.hunk.id, 'h2');
});
