/**
 * Client settings: which `tether.*` values go to the server, and how the server is started.
 *
 * package.json `contributes.configuration` is the source of truth for the keys (a test checks
 * it against the server's pydantic Settings). Only values a person set explicitly are sent, so
 * the client never overrides tether.toml with VS Code's defaults. Pure: the `vscode` types are
 * imported for their shape only.
 */

import * as path from 'path';
import type { WorkspaceConfiguration } from 'vscode';

export const SECTION = 'tether';

/** Settings read by the client itself, never sent to the server. */
export const CLIENT_ONLY = new Set(['serverCommand', 'trace.server', 'review.mode']);

/** Setting keys under `tether.` declared in a package.json manifest. */
export function declaredKeys(manifest: unknown): string[] {
  const contributes = (manifest as { contributes?: { configuration?: unknown } }).contributes;
  const blocks = Array.isArray(contributes?.configuration) ? contributes?.configuration : [contributes?.configuration];
  const keys: string[] = [];
  for (const block of blocks as Array<{ properties?: Record<string, unknown> } | undefined>) {
    for (const name of Object.keys(block?.properties ?? {})) {
      if (name.startsWith(`${SECTION}.`)) {
        keys.push(name.slice(SECTION.length + 1));
      }
    }
  }
  return keys;
}

/** Explicitly set value of one key (folder > workspace > user), or undefined. */
export type ExplicitLookup = (key: string) => unknown;

export function explicitLookup(config: WorkspaceConfiguration): ExplicitLookup {
  return (key) => {
    const seen = config.inspect(key);
    return seen?.workspaceFolderValue ?? seen?.workspaceValue ?? seen?.globalValue;
  };
}

/**
 * The settings object the server receives (initializationOptions and
 * didChangeConfiguration): dotted keys become nested objects, camelCase kept.
 */
export function serverSettings(keys: string[], lookup: ExplicitLookup): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (CLIENT_ONLY.has(key)) {
      continue;
    }
    const value = lookup(key);
    if (value === undefined || value === null) {
      continue;
    }
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      node[part] = (node[part] as Record<string, unknown> | undefined) ?? {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

export interface ServerCommand {
  command: string;
  args: string[];
}

export interface ResolveEnv {
  workspaceFolder?: string;
  exists: (file: string) => boolean;
  platform: NodeJS.Platform;
  home?: string;
}

function expand(value: string, env: ResolveEnv): string {
  let out = value.replace(/\$\{workspaceFolder\}/g, env.workspaceFolder ?? '.');
  if (env.home && (out === '~' || out.startsWith('~/'))) {
    out = env.home + out.slice(1);
  }
  return out;
}

/**
 * The command that runs `tether serve`. The setting names the tether executable (a string) or
 * an executable plus leading arguments (an array, e.g. ["python", "-m", "tether"]); `serve` is
 * appended. Empty: the workspace's `.venv` tether when it exists, else `tether` on PATH.
 */
export function resolveServerCommand(setting: unknown, env: ResolveEnv): ServerCommand {
  const parts = (Array.isArray(setting) ? setting : typeof setting === 'string' ? [setting] : [])
    .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
    .map((part) => expand(part, env));
  if (parts.length > 0) {
    return { command: parts[0], args: [...parts.slice(1), 'serve'] };
  }
  if (env.workspaceFolder) {
    const venv = env.platform === 'win32'
      ? path.join(env.workspaceFolder, '.venv', 'Scripts', 'tether.exe')
      : path.join(env.workspaceFolder, '.venv', 'bin', 'tether');
    if (env.exists(venv)) {
      return { command: venv, args: ['serve'] };
    }
  }
  return { command: 'tether', args: ['serve'] };
}

/** Whether a configuration change needs the server restarted rather than re-configured. */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return affects(`${SECTION}.serverCommand`);
}
