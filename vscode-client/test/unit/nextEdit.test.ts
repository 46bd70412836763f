import assert from 'node:assert/strict';
import { test } from 'node:test';

import { JOIN } from '../../src/inline';
import { addedLabel, applyToLines, hintOf, isCurrent, NextEdit, readInlineEdits, tabAction, viewOf } from '../../src/nextEditModel';
import type { Range } from '../../src/protocol';

const URI = 'file:///ws/scale.py';
const DOC = ['def scale(amount, factor):', '    """Scale."""', '    return value * factor'];
const span = (line: number, from: number, to: number, endLine = line): Range => ({
  start: { line, character: from },
  end: { line: endLine, character: to },
});
const textOf = (range: Range): string => {
  const joined = DOC.join('\n');
  const offset = (line: number, ch: number): number => DOC.slice(0, line).join('\n').length + (line > 0 ? 1 : 0) + ch;
  return joined.slice(offset(range.start.line, range.start.character), offset(range.end.line, range.end.character));
};

// The docs/lsp.md example: after `value` became `amount` on line 0, the next edit is line 2's use.
const RESULT = { edits: [{ range: span(2, 11, 16), text: 'amount', textDocument: { uri: URI, version: 2 } }] };

test('the LSP result maps to one next edit of the document, version kept', () => {
  assert.deepEqual(readInlineEdits(RESULT, URI, textOf), { uri: URI, version: 2, range: span(2, 11, 16), text: 'amount' });
  assert.equal(textOf(span(2, 11, 16)), 'value');
});

test('no edit, a malformed result, another document, a bad range or an edit that changes nothing gives no suggestion', () => {
  assert.equal(readInlineEdits({ edits: [] }, URI), undefined);
  assert.equal(readInlineEdits(null, URI), undefined);
  assert.equal(readInlineEdits({ edits: 'x' }, URI), undefined);
  assert.equal(readInlineEdits({ edits: [{ ...RESULT.edits[0], textDocument: { uri: 'file:///ws/other.py' } }] }, URI), undefined);
  assert.equal(readInlineEdits({ edits: [{ range: span(2, 16, 11), text: 'amount' }] }, URI), undefined);
  assert.equal(readInlineEdits({ edits: [{ range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } }, text: 'x' }] }, URI), undefined);
  assert.equal(readInlineEdits({ edits: [{ range: span(2, 11, 16), text: 'value' }] }, URI, textOf), undefined);
  assert.equal(readInlineEdits({ edits: [{ range: span(2, 11, 16), text: 3 }] }, URI), undefined);
});

test('an edit without a textDocument or version still maps, and is current at any version', () => {
  const edit = readInlineEdits({ edits: [{ range: span(2, 11, 16), text: 'amount' }] }, URI) as NextEdit;
  assert.deepEqual(edit, { uri: URI, range: span(2, 11, 16), text: 'amount' });
  assert.equal(isCurrent(edit, URI, 7), true);
  assert.equal(isCurrent(edit, 'file:///ws/other.py', 7), false);
});

test('a suggestion from an older version of the document is stale', () => {
  const edit = readInlineEdits(RESULT, URI) as NextEdit;
  assert.equal(isCurrent(edit, URI, 2), true);
  assert.equal(isCurrent(edit, URI, 3), false);
});

test('an insertion at the cursor is ghost text; a replacement on the cursor line is a diff; elsewhere is a jump', () => {
  const insertion: NextEdit = { uri: URI, range: span(2, 16, 16), text: ' + 1' };
  assert.equal(viewOf(insertion, { line: 2, character: 16 }), 'ghost');
  assert.equal(viewOf(insertion, { line: 2, character: 4 }), 'diff');
  assert.equal(viewOf({ ...insertion, text: '\n    pass' }, { line: 2, character: 16 }), 'diff');
  const edit = readInlineEdits(RESULT, URI) as NextEdit;
  assert.equal(viewOf(edit, { line: 2, character: 0 }), 'diff');
  assert.equal(viewOf(edit, { line: 0, character: 16 }), 'jump');
  assert.equal(viewOf({ ...edit, range: span(1, 0, 5, 2) }, { line: 1, character: 0 }), 'diff');
});

test('Tab jumps to an edit away from the cursor, then accepts it there', () => {
  const edit = readInlineEdits(RESULT, URI) as NextEdit;
  assert.equal(tabAction(edit, { line: 0, character: 16 }), 'jump');
  assert.equal(tabAction(edit, edit.range.start), 'accept');
  assert.equal(hintOf('jump'), 'Tab to jump');
  assert.match(hintOf('diff'), /^Tab to accept/);
  assert.equal(hintOf('ghost'), '');
});

test('accepting replaces the range; multi-line new text is drawn on one line, joined', () => {
  const edit = readInlineEdits(RESULT, URI) as NextEdit;
  assert.deepEqual(applyToLines(DOC, edit), [DOC[0], DOC[1], '    return amount * factor']);
  assert.deepEqual(applyToLines(DOC, { uri: URI, range: span(1, 4, 16), text: '"""Scale\n    by factor."""' }), [
    DOC[0],
    '    """Scale',
    '    by factor."""',
    DOC[2],
  ]);
  assert.throws(() => applyToLines(DOC, { uri: URI, range: span(3, 0, 0), text: 'x' }), /line 3/);
  assert.equal(addedLabel('a\r\nb'), `a${JOIN}b`);
});
