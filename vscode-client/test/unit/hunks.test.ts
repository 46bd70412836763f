import assert from 'node:assert/strict';
import { test } from 'node:test';

import { applyHunks, baseLines, hunkSpans, hunkStats, leadingContext, pickHunk, sideText, splitLines } from '../../src/hunks';
import { BASE, file, hunk, twoHunkFile } from './fixtures';

test('splitLines keeps line endings and a last line without one', () => {
  assert.deepEqual(splitLines('a\nb\r\nc'), ['a\n', 'b\r\n', 'c']);
  assert.deepEqual(splitLines(''), []);
});

test('baseLines rebuilds the base text from newText and the hunks', () => {
  assert.deepEqual(baseLines(twoHunkFile()), BASE);
});

test('baseLines is undefined when the hunks do not match newText', () => {
  const broken = { ...twoHunkFile(), newText: 'something else\n' };
  assert.equal(baseLines(broken), undefined);
  assert.equal(sideText(broken, 'proposed'), 'something else\n');
});

test('applyHunks applies any subset in base order', () => {
  const f = twoHunkFile();
  const onlySecond = applyHunks(BASE, [f.hunks[1]]);
  assert.deepEqual(onlySecond, [...BASE.slice(0, 4), 'def sub(a: int, b: int):\n', '    # subtract\n', BASE[5]]);
  assert.equal(applyHunks(BASE, f.hunks).join(''), f.newText);
});

test('sideText drops rejected hunks from the proposal and keeps accepted ones in the file', () => {
  const f = twoHunkFile(['accepted', 'rejected']);
  const withDocstring = [BASE[0], '    """Add."""\n', ...BASE.slice(1)].join('');
  assert.equal(sideText(f, 'proposed'), withDocstring);
  assert.equal(sideText(f, 'current'), withDocstring);
  assert.equal(sideText(twoHunkFile(), 'current'), BASE.join(''));
});

test('hunkSpans in the current file shift only by accepted hunks', () => {
  const pending = hunkSpans(twoHunkFile(), 'current');
  assert.deepEqual(pending.map((s) => [s.start, s.lines, s.firstChange]), [[0, 1, 0], [4, 1, 4]]);
  const firstAccepted = hunkSpans(twoHunkFile(['accepted', 'pending']), 'current');
  assert.deepEqual(firstAccepted.map((s) => [s.start, s.lines]), [[0, 2], [5, 1]]);
});

test('hunkSpans in the proposal shift by every hunk not rejected and point the lens past context', () => {
  const spans = hunkSpans(twoHunkFile(), 'proposed');
  assert.deepEqual(spans.map((s) => [s.start, s.lines, s.firstChange]), [[0, 2, 1], [5, 2, 5]]);
  const rejected = hunkSpans(twoHunkFile(['rejected', 'pending']), 'proposed');
  assert.deepEqual(rejected.map((s) => [s.start, s.lines]), [[0, 1], [4, 2]]);
});

test('hunkSpans sorts hunks by base position whatever the wire order', () => {
  const f = twoHunkFile();
  const reversed = { ...f, hunks: [...f.hunks].reverse() };
  assert.deepEqual(hunkSpans(reversed, 'proposed').map((s) => s.hunk.id), ['h1', 'h2']);
});

test('pickHunk prefers the hunk under the cursor, then the next, then the last one above', () => {
  const spans = hunkSpans(twoHunkFile(), 'proposed');
  assert.equal(pickHunk(spans, 1)?.hunk.id, 'h1');
  assert.equal(pickHunk(spans, 3)?.hunk.id, 'h2');
  assert.equal(pickHunk(spans, 40)?.hunk.id, 'h2');
  const firstDone = hunkSpans(twoHunkFile(['accepted', 'pending']), 'proposed');
  assert.equal(pickHunk(firstDone, 0)?.hunk.id, 'h2');
  assert.equal(pickHunk(hunkSpans(twoHunkFile(['accepted', 'rejected']), 'proposed'), 0), undefined);
});

test('leadingContext and hunkStats read the unified diff', () => {
  const h = hunk('x', 3, ['a\n', 'b\n', 'c\n'], ['a\n', 'b\n', 'C\n', 'D\n'], { context: 2 });
  assert.equal(leadingContext(h), 2);
  assert.deepEqual(hunkStats(h), { added: 2, removed: 1 });
});

test('a pure insertion at the end of a file without a trailing newline', () => {
  const base = ['x = 1'];
  const h = hunk('e', 1, ['x = 1'], ['x = 1\n', 'y = 2\n'], { context: 0 });
  const f = file('m.py', 'x = 1\ny = 2\n', [h]);
  assert.deepEqual(baseLines(f), base);
  assert.equal(sideText(f, 'current'), 'x = 1');
});
