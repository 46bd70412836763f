import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isLevel, levelAllowed, LEVELS } from '../../src/protocol';
import { SET_AUTONOMY, SHOW_LOGS, statusView } from '../../src/statusModel';

const ready = { level: 'selection' as const, maxLevel: 'file' as const, models: [{ name: 'bundled', kind: 'llamacpp', loaded: true }], state: 'ready' as const };

test('ready: level and model state, click sets the level', () => {
  const view = statusView({ kind: 'running' }, ready, 'selection');
  assert.equal(view.text, '$(check) tether: selection · ready');
  assert.equal(view.command, SET_AUTONOMY);
  assert.match(view.tooltip, /max file/);
  assert.match(view.tooltip, /bundled \(llamacpp, loaded\)/);
  assert.equal(view.error, false);
});

test('loading model and busy request', () => {
  assert.match(statusView({ kind: 'running' }, { ...ready, state: 'loading' }, 'file').text, /loading$/);
  assert.match(statusView({ kind: 'running' }, undefined, 'file').text, /loading$/);
  assert.match(statusView({ kind: 'running' }, ready, 'file', 'generating').text, /sync~spin.*generating$/);
});

test('server and model errors point at the logs', () => {
  const server = statusView({ kind: 'error', message: 'spawn tether ENOENT' }, undefined, 'file');
  assert.equal(server.command, SHOW_LOGS);
  assert.equal(server.error, true);
  assert.match(server.tooltip, /ENOENT/);
  const model = statusView({ kind: 'running' }, { ...ready, state: 'error', error: 'GGUF not found.' }, 'file');
  assert.equal(model.command, SHOW_LOGS);
  assert.match(model.text, /model error/);
  assert.match(model.tooltip, /GGUF not found/);
});

test('starting server', () => {
  const view = statusView({ kind: 'starting' }, undefined, 'file');
  assert.match(view.text, /starting$/);
});

test('levels are ordered and checked against the ceiling', () => {
  assert.deepEqual([...LEVELS], ['complete', 'selection', 'file', 'repo']);
  assert.equal(levelAllowed('file', 'file'), true);
  assert.equal(levelAllowed('repo', 'file'), false);
  assert.equal(isLevel('repo'), true);
  assert.equal(isLevel('everything'), false);
});
