/**
 * The status bar item: autonomy level and model state (loading, ready, error -> Show Logs).
 *
 * Asks the server for tether/status when it starts and after each operation, and polls once
 * a second only while a model is loading.
 */

import * as vscode from 'vscode';

import { Level, Methods, ServerStatus, describeError, isLevel } from './protocol';
import type { TetherServer } from './server';
import { statusView } from './statusModel';

const POLL_MS = 1_000;

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('tether.status', vscode.StatusBarAlignment.Right, 100);
  private status: ServerStatus | undefined;
  private busyLabel: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly server: TetherServer) {
    this.item.name = 'tether';
    this.subscription = server.onDidChangeState((state) => {
      if (state.kind === 'running') {
        void this.refresh();
      } else {
        this.status = undefined;
        this.render();
      }
    });
    this.render();
    this.item.show();
  }

  /** The level the server confirmed, else the configured one. */
  get level(): Level {
    const configured = vscode.workspace.getConfiguration('tether').get<unknown>('level');
    return this.status?.level ?? (isLevel(configured) ? configured : 'file');
  }

  get maxLevel(): Level | undefined {
    return this.status?.maxLevel;
  }

  /** Record a level the server just confirmed (tether/setLevel). */
  setLevel(level: Level, maxLevel: Level): void {
    if (this.status) {
      this.status = { ...this.status, level, maxLevel };
    }
    this.render();
  }

  /** Show `label` (e.g. "generating") while `work` runs. */
  async busy<T>(label: string, work: Promise<T>): Promise<T> {
    this.busyLabel = label;
    this.render();
    try {
      return await work;
    } finally {
      this.busyLabel = undefined;
      void this.refresh();
    }
  }

  async refresh(): Promise<void> {
    clearTimeout(this.timer);
    if (this.server.state.kind !== 'running') {
      this.render();
      return;
    }
    try {
      this.status = await this.server.request<ServerStatus>(Methods.status, {});
    } catch (err) {
      this.status = { level: this.level, maxLevel: 'repo', models: [], state: 'error', error: describeError(err) };
    }
    this.render();
    if (this.status.state === 'loading') {
      this.timer = setTimeout(() => void this.refresh(), POLL_MS);
    }
  }

  private render(): void {
    const view = statusView(this.server.state, this.status, this.level, this.busyLabel);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.item.dispose();
  }
}
