/**
 * Repo runs in VS Code: a run's plan as a read-only `tether-run:/<runId>.toml` document, with
 * "Run | Reject" CodeLenses while it waits (planned), and the run's state in its header.
 */

import * as vscode from 'vscode';

import type { RepoRun } from './protocol';
import { planDocument, runIdOfPath } from './repoRun';

export const RUN_SCHEME = 'tether-run';

export function runUri(runId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RUN_SCHEME, path: `/${runId}.toml` });
}

/** The runs this window has seen, served as plan documents; CodeLenses on them. */
export class RunDocuments implements vscode.TextDocumentContentProvider, vscode.CodeLensProvider, vscode.Disposable {
  private readonly runs = new Map<string, RepoRun>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly lensEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  readonly onDidChangeCodeLenses = this.lensEmitter.event;

  get(runId: string): RepoRun | undefined {
    return this.runs.get(runId);
  }

  /** Record a run the server returned; its open document (if any) is refreshed. */
  set(run: RepoRun): void {
    this.runs.set(run.runId, run);
    this.emitter.fire(runUri(run.runId));
    this.lensEmitter.fire();
  }

  /** The run a document shows, when it is a plan document. */
  runOf(uri: vscode.Uri): RepoRun | undefined {
    const id = uri.scheme === RUN_SCHEME ? runIdOfPath(uri.path) : undefined;
    return id ? this.runs.get(id) : undefined;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const run = this.runOf(uri);
    return run ? planDocument(run) : '# This repo run is not known to this window; list runs with "tether: Repo Runs…".\n';
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const run = this.runOf(document.uri);
    if (!run) {
      return [];
    }
    const top = new vscode.Range(0, 0, 0, 0);
    if (run.status !== 'planned') {
      return [new vscode.CodeLens(top, { title: `tether: ${run.status}`, command: '' })];
    }
    const args = { runId: run.runId };
    return [
      new vscode.CodeLens(top, { title: '$(play) Run', tooltip: 'Run the plan: each step proposes edits for review', command: 'tether.runPlan', arguments: [args] }),
      new vscode.CodeLens(top, { title: '$(close) Reject', tooltip: 'Turn the plan down; nothing runs', command: 'tether.rejectPlan', arguments: [args] }),
    ];
  }

  /** Open (or refresh) a run's plan document. */
  async show(run: RepoRun): Promise<void> {
    this.set(run);
    const doc = await vscode.workspace.openTextDocument(runUri(run.runId));
    await vscode.languages.setTextDocumentLanguage(doc, 'toml').then(undefined, () => undefined);
    await vscode.window.showTextDocument(doc, { preview: false });
  }

  dispose(): void {
    this.emitter.dispose();
    this.lensEmitter.dispose();
  }
}
