import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { CLIENT_ONLY, declaredKeys, needsRestart, resolveServerCommand, serverSettings } from '../../src/settings';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));

test('declaredKeys lists every tether.* setting of package.json', () => {
  const keys = declaredKeys(manifest);
  for (const key of ['serverCommand', 'level', 'maxLevel', 'complete.maxTokens', 'complete.debounceMs', 'edit.maxReasks', 'edit.maxTokens', 'models', 'roles']) {
    assert.ok(keys.includes(key), `package.json lacks tether.${key}`);
  }
});

test('serverSettings sends only explicit values, nested and camelCase, never client-only keys', () => {
  const explicit: Record<string, unknown> = {
    serverCommand: '/opt/tether',
    level: 'selection',
    'complete.maxTokens': 16,
    'complete.debounceMs': 50,
    'edit.maxReasks': 0,
    models: { bundled: { n_ctx: 2048 } },
  };
  const out = serverSettings(declaredKeys(manifest), (key) => explicit[key]);
  assert.deepEqual(out, {
    level: 'selection',
    complete: { maxTokens: 16, debounceMs: 50 },
    edit: { maxReasks: 0 },
    models: { bundled: { n_ctx: 2048 } },
  });
  for (const key of CLIENT_ONLY) {
    assert.equal(key.split('.')[0] in out, false);
  }
});

test('serverSettings with nothing set is empty, so tether.toml is not overridden', () => {
  assert.deepEqual(serverSettings(declaredKeys(manifest), () => undefined), {});
});

const env = { workspaceFolder: '/ws', platform: 'linux' as NodeJS.Platform, home: '/home/me' };

test('the default server command is the workspace .venv tether when it exists', () => {
  const seen: string[] = [];
  const got = resolveServerCommand('', { ...env, exists: (f) => (seen.push(f), f === '/ws/.venv/bin/tether') });
  assert.deepEqual(got, { command: '/ws/.venv/bin/tether', args: ['serve'] });
  assert.deepEqual(seen, ['/ws/.venv/bin/tether']);
});

test('without a .venv the server command is tether on PATH', () => {
  assert.deepEqual(resolveServerCommand(undefined, { ...env, exists: () => false }), { command: 'tether', args: ['serve'] });
  assert.deepEqual(resolveServerCommand([], { ...env, workspaceFolder: undefined, exists: () => true }), { command: 'tether', args: ['serve'] });
});

test('windows looks in .venv/Scripts', () => {
  const got = resolveServerCommand('', { ...env, platform: 'win32', exists: (f) => f.includes('Scripts') });
  assert.match(got.command, /\.venv[\\/]Scripts[\\/]tether\.exe$/);
});

test('an explicit command expands ${workspaceFolder} and ~ and gets serve appended', () => {
  assert.deepEqual(resolveServerCommand('${workspaceFolder}/env/bin/tether', { ...env, exists: () => false }), {
    command: '/ws/env/bin/tether',
    args: ['serve'],
  });
  assert.deepEqual(resolveServerCommand(['~/py/bin/python', '-m', 'tether'], { ...env, exists: () => false }), {
    command: '/home/me/py/bin/python',
    args: ['-m', 'tether', 'serve'],
  });
});

test('only a serverCommand change needs a restart', () => {
  assert.equal(needsRestart((s) => s === 'tether.serverCommand'), true);
  assert.equal(needsRestart((s) => s === 'tether.level'), false);
});

test('no two keybindings in package.json share a key', () => {
  const keys = manifest.contributes.keybindings.map((k: { key: string }) => k.key);
  assert.equal(new Set(keys).size, keys.length);
});
