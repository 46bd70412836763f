import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ProposalCache } from '../../src/proposalCache';
import { buildTree, MAX_CLOSED } from '../../src/proposalTree';
import { withoutOwned } from '../../src/protocol';
import { file, hunk, proposal, twoHunkFile } from './fixtures';

test('buildTree nests proposal -> files -> hunks with the context values the menus use', () => {
  const p = proposal('aaaaaaaaaaaa', [twoHunkFile(['accepted', 'pending'])], { status: 'partial' });
  const [root] = buildTree([p]);
  assert.equal(root.contextValue, 'tether.proposal.open');
  assert.equal(root.label, 'Add a docstring.');
  assert.equal(root.description, 'partial · selection');
  assert.equal(root.children.length, 1);
  const [f] = root.children;
  assert.equal(f.label, 'calc.py');
  assert.equal(f.description, '1/2 reviewed · 1 pending');
  assert.equal(f.children[0].description, '+1 −0 · reviewed: accepted');
  assert.deepEqual(f.children.map((h) => [h.hunkId, h.contextValue]), [
    ['h1', 'tether.hunk.accepted'],
    ['h2', 'tether.hunk.pending'],
  ]);
  assert.equal(f.children[1].description, '+2 −1 · pending');
  assert.match(f.children[1].label, /^@@ -5,1 \+5,2 @@/);
  assert.equal(f.children[1].id, 'h:aaaaaaaaaaaa:h2');
});

test('a conflict hunk is counted and shown as needing a choice, and keeps its proposal open in the cache', () => {
  const p = proposal('c', [twoHunkFile(['conflict', 'rejected'])], { status: 'partial' });
  const [f] = buildTree([p])[0].children;
  assert.equal(f.description, '1/2 reviewed · 0 pending · 1 conflict');
  assert.deepEqual(f.children.map((h) => [h.description.split(' · ')[1], h.contextValue]), [
    ['conflict', 'tether.hunk.conflict'],
    ['reviewed: rejected', 'tether.hunk.rejected'],
  ]);
  const cache = new ProposalCache();
  cache.set(p);
  assert.equal(cache.newestOpen()?.id, 'c');
  assert.equal(cache.pendingFor('file:///ws/calc.py').length, 1);
});

test('buildTree puts open proposals first, newest first, and keeps a few closed ones', () => {
  const closed = Array.from({ length: MAX_CLOSED + 2 }, (_, i) =>
    proposal(`c${i}`, [], { status: 'done', createdAt: `2026-11-22T09:0${i}:00+00:00` }));
  const older = proposal('old', [], { createdAt: '2026-11-21T00:00:00+00:00' });
  const newer = proposal('new', [], { createdAt: '2026-11-22T11:00:00+00:00', status: 'partial' });
  const empty = proposal('empty', [], { status: 'empty' });
  const ids = buildTree([...closed, older, empty, newer]).map((n) => n.proposalId);
  assert.deepEqual(ids.slice(0, 2), ['new', 'old']);
  assert.equal(ids.length, 2 + MAX_CLOSED);
  assert.equal(ids[2], `c${MAX_CLOSED + 1}`);
  assert.ok(!ids.includes('empty'));
});

test('a file in a subfolder shows its folder and a long instruction is shortened', () => {
  const p = proposal('b', [file('src/pkg/m.py', 'x\n', [hunk('z', 1, ['y\n'], ['x\n'])])], { instruction: 'x'.repeat(100) + '\nmore' });
  const [root] = buildTree([p]);
  assert.equal(root.label.length, 60);
  assert.equal(root.children[0].description, 'src/pkg · 0/1 reviewed · 1 pending');
});

test('ProposalCache finds pending files by URI and the newest open proposal', () => {
  const cache = new ProposalCache((u) => u.toLowerCase());
  const seen: string[][] = [];
  cache.onDidChange((ids) => seen.push(ids));
  const a = proposal('a', [twoHunkFile()], { createdAt: '2026-11-22T10:00:00+00:00' });
  const b = proposal('b', [twoHunkFile(['accepted', 'rejected'])], { createdAt: '2026-11-22T11:00:00+00:00', status: 'done' });
  cache.set(b);
  cache.syncOpen([a]);
  assert.deepEqual(cache.pendingFor('FILE:///ws/calc.py').map((r) => r.proposal.id), ['a']);
  assert.equal(cache.newestOpen()?.id, 'a');
  assert.equal(cache.file('a', 'calc.py')?.file.hunks.length, 2);
  assert.equal(cache.file('a', 'nope.py'), undefined);
  cache.set({ ...a, files: [twoHunkFile(['rejected', 'rejected'])] });
  assert.equal(cache.newestOpen(), undefined);
  assert.deepEqual(seen, [['b'], ['b', 'a'], ['a']]);
  assert.deepEqual(cache.all().map((p) => p.id).sort(), ['a', 'b']);
});

test('ProposalCache.syncOpen drops open proposals the server no longer lists and keeps closed ones', () => {
  const cache = new ProposalCache();
  cache.set(proposal('open', [twoHunkFile()]));
  cache.set(proposal('done', [twoHunkFile(['accepted', 'accepted'])], { status: 'done' }));
  cache.syncOpen([proposal('fresh', [twoHunkFile()])]);
  assert.deepEqual(cache.all().map((p) => p.id).sort(), ['done', 'fresh']);
});

test('withoutOwned drops the commands the extension registers itself', () => {
  const owned = new Set(['tether.editSelection', 'tether.acceptAll']);
  assert.deepEqual(withoutOwned(['tether.editSelection', 'tether.accept', 'tether.acceptAll'], owned), ['tether.accept']);
  assert.deepEqual(withoutOwned(undefined, owned), []);
});
