/**
 * Entry point: wires the server, the review UI, the Proposals view, the status bar and the
 * commands together. No logic lives here.
 */

import * as vscode from 'vscode';

import { COMMAND_IDS, CommandDeps, refreshProposals, registerCommands } from './commands';
import { NextEdits } from './nextEdit';
import { ProposalCache } from './proposalCache';
import { ProposalsView } from './proposalsView';
import {
  CONTEXT_SCHEME,
  ContextDocuments,
  HunkLenses,
  InlineDecorations,
  normalizeUri,
  PROPOSAL_SCHEME,
  ProposalDocuments,
  trackReviewContext,
} from './review';
import { RUN_SCHEME, RunDocuments } from './runs';
import { TetherServer } from './server';
import { declaredKeys, needsRestart, SECTION } from './settings';
import { StatusBar } from './status';

let server: TetherServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('tether', { log: true });
  server = new TetherServer(output, declaredKeys(context.extension.packageJSON), new Set<string>(COMMAND_IDS));
  const cache = new ProposalCache(normalizeUri);
  const status = new StatusBar(server);
  const contexts = new ContextDocuments();
  const runs = new RunDocuments();
  const deps: CommandDeps = { server, cache, status, contexts, runs };
  const documents = new ProposalDocuments(cache);
  const lenses = new HunkLenses(cache);
  const decorations = new InlineDecorations(cache);
  const view = new ProposalsView(cache);
  const quietRefresh = (): void => void refreshProposals(deps).catch((err) => output.warn(`listing proposals failed: ${err}`));

  context.subscriptions.push(
    output,
    server,
    status,
    documents,
    lenses,
    decorations,
    runs,
    view,
    new NextEdits(server, output),
    vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, documents),
    vscode.workspace.registerTextDocumentContentProvider(CONTEXT_SCHEME, contexts),
    vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, runs),
    vscode.languages.registerCodeLensProvider({ scheme: RUN_SCHEME }, runs),
    vscode.languages.registerCodeLensProvider([{ scheme: 'file' }, { scheme: PROPOSAL_SCHEME }], lenses),
    vscode.window.registerTreeDataProvider('tether.proposals', view),
    trackReviewContext(cache),
    ...registerCommands(deps),
    server.onProposalsChanged(({ relocated }) => {
      if (relocated && relocated.length > 0) {
        // Typing moved hunks: the server sent them re-located; nothing else changed.
        relocated.forEach((proposal) => cache.set(proposal));
        return;
      }
      quietRefresh();
      void status.refresh();
    }),
    server.onDidChangeState((state) => state.kind === 'running' && quietRefresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(SECTION)) {
        return;
      }
      if (needsRestart((section) => event.affectsConfiguration(section))) {
        void server?.restart();
      } else {
        void server?.sendSettings().then(() => status.refresh());
      }
    }),
  );
  void server.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
