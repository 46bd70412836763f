/**
 * What the status bar item says: autonomy level plus server and model state.
 *
 * Pure (no `vscode` import); status.ts renders the result. Codicons are written `$(name)`.
 */

import type { Level, ServerStatus } from './protocol';

/** The language server process, as server.ts tracks it. */
export type ServerState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'running' }
  | { kind: 'error'; message: string };

export interface StatusView {
  text: string;
  tooltip: string;
  /** Command run on click. */
  command: string;
  /** Shown with the error background colour. */
  error: boolean;
}

export const SHOW_LOGS = 'tether.showLogs';
export const SET_AUTONOMY = 'tether.setAutonomy';

function modelsLine(status: ServerStatus): string {
  if (status.models.length === 0) {
    return 'No models configured.';
  }
  return status.models.map((m) => `${m.name} (${m.kind}${m.loaded ? ', loaded' : ''})`).join(', ');
}

/**
 * @param level the level last confirmed by the server, or the configured one before it answers
 * @param busy a short label while a request runs ("generating"), else undefined
 */
export function statusView(
  server: ServerState,
  status: ServerStatus | undefined,
  level: Level,
  busy?: string,
): StatusView {
  const head = `tether: ${level}`;
  if (server.kind === 'error') {
    return {
      text: `$(error) ${head} · error`,
      tooltip: `The tether server failed: ${server.message}\nClick to show the logs.`,
      command: SHOW_LOGS,
      error: true,
    };
  }
  if (server.kind === 'starting' || server.kind === 'stopped') {
    const word = server.kind === 'starting' ? 'starting' : 'stopped';
    return { text: `$(loading~spin) ${head} · ${word}`, tooltip: `tether server ${word}.`, command: SHOW_LOGS, error: false };
  }
  if (status?.state === 'error') {
    return {
      text: `$(error) ${head} · model error`,
      tooltip: `${status.error ?? 'The model failed to load.'}\nClick to show the logs.`,
      command: SHOW_LOGS,
      error: true,
    };
  }
  const max = status ? ` (max ${status.maxLevel})` : '';
  const models = status ? `\nModels: ${modelsLine(status)}` : '';
  const tooltip = `Autonomy level ${level}${max}. Click to change it.${models}`;
  if (busy) {
    return { text: `$(sync~spin) ${head} · ${busy}`, tooltip, command: SET_AUTONOMY, error: false };
  }
  if (!status || status.state === 'loading') {
    return { text: `$(loading~spin) ${head} · loading`, tooltip, command: SET_AUTONOMY, error: false };
  }
  return { text: `$(check) ${head} · ready`, tooltip, command: SET_AUTONOMY, error: false };
}
