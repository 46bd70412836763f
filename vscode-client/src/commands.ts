/**
 * The extension's commands: edit at each level, review hunk by hunk, what the model saw,
 * the autonomy slider, logs and restart.
 *
 * Each handler turns its arguments (palette: none; CodeLens, view and server code actions: an
 * object) into one server request and hands the result to the review UI. Ids are `tether.<verb>`,
 * the same as the server's workspace/executeCommand ids where both exist.
 */

import * as path from 'path';
import * as vscode from 'vscode';

import { pickHunk } from './hunks';
import { ProposalCache } from './proposalCache';
import { newRunProposals, runLabel } from './repoRun';
import { RunDocuments } from './runs';
import {
  AcceptResult,
  ContextResult,
  CreateProposalParams,
  EditRepoParams,
  HunksParams,
  Level,
  LEVELS,
  LevelResult,
  Methods,
  Proposal,
  Range,
  RejectResult,
  RepoRun,
  RunsResult,
  ServerCommands,
  describeError,
  isLevel,
  levelAllowed,
} from './protocol';
import { ContextDocuments, documentHunks, openReview, revealNextHunk, reviewMode } from './review';
import type { TetherServer } from './server';
import type { StatusBar } from './status';

export interface CommandDeps {
  server: TetherServer;
  cache: ProposalCache;
  status: StatusBar;
  contexts: ContextDocuments;
  runs: RunDocuments;
}

/** Every command id the extension registers (the server must not register these client-side). */
export const COMMAND_IDS = [
  'tether.editSelection',
  'tether.editFile',
  'tether.editRepo',
  'tether.runPlan',
  'tether.rejectPlan',
  'tether.listRuns',
  'tether.toggleReviewMode',
  'tether.acceptHunk',
  'tether.rejectHunk',
  'tether.acceptAll',
  'tether.rejectAll',
  'tether.showContext',
  'tether.setAutonomy',
  'tether.openDiff',
  'tether.refreshProposals',
  'tether.showLogs',
  'tether.restartServer',
] as const;

type Handler = (deps: CommandDeps, arg?: unknown) => Promise<unknown> | unknown;

interface Target {
  proposalId?: string;
  hunkId?: string;
  runId?: string;
  overwriteConflicts?: boolean;
  path?: string;
  uri?: string;
  range?: Range;
}

function asTarget(arg: unknown): Target {
  return arg && typeof arg === 'object' ? (arg as Target) : {};
}

function report(deps: CommandDeps, err: unknown): void {
  if (err instanceof vscode.CancellationError || (err as { code?: number })?.code === -32800) {
    return; // the person cancelled
  }
  void vscode.window.showErrorMessage(describeError(err), 'Show Logs').then((pick) => {
    if (pick) {
      deps.server.showLogs();
    }
  });
}

function askInstruction(title: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt: 'What should tether change?',
    placeHolder: 'e.g. Add a docstring.',
    ignoreFocusOut: true,
  });
}

/** Run an edit request with a cancellable notification, then open the review. */
async function createProposal(deps: CommandDeps, title: string, send: (token: vscode.CancellationToken) => Promise<Proposal>): Promise<void> {
  const work = vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (_progress, token) => send(token),
  );
  const proposal = await deps.status.busy('generating', Promise.resolve(work));
  deps.cache.set(proposal);
  if (proposal.warnings.length > 0) {
    void vscode.window.showWarningMessage(`tether: ${proposal.warnings.join(' ')}`);
  }
  const file = proposal.files.find((f) => f.hunks.some((h) => h.status === 'pending'));
  if (!file) {
    void vscode.window.showInformationMessage(`tether proposed no change for "${proposal.instruction}".`);
    return;
  }
  await openReview(proposal, file);
}

function fullLineRange(selection: vscode.Selection, document: vscode.TextDocument): Range {
  // An empty selection means "this line"; a selection ending at column 0 stops on the line before.
  const endLine = !selection.isEmpty && selection.end.character === 0 ? selection.end.line - 1 : selection.end.line;
  const end = document.lineAt(Math.max(endLine, selection.start.line)).range.end;
  return { start: { line: selection.start.line, character: 0 }, end: { line: end.line, character: end.character } };
}

async function editSelection(deps: CommandDeps, arg?: unknown): Promise<void> {
  let { uri, range } = asTarget(arg);
  if (!uri || !range) {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage('Open a file and select the lines tether should edit.');
      return;
    }
    uri = editor.document.uri.toString();
    range = fullLineRange(editor.selection, editor.document);
  }
  const instruction = await askInstruction('tether: Edit Selection');
  if (!instruction) {
    return;
  }
  const params: CreateProposalParams = { uri, instruction, range };
  await createProposal(deps, 'tether: editing the selection…', (token) =>
    deps.server.request<Proposal>(Methods.createProposal, params, token));
}

async function editFile(deps: CommandDeps, arg?: unknown): Promise<void> {
  const uri = asTarget(arg).uri ?? vscode.window.activeTextEditor?.document.uri.toString();
  if (!uri) {
    void vscode.window.showWarningMessage('Open the file tether should edit.');
    return;
  }
  const instruction = await askInstruction(`tether: Edit File ${path.basename(vscode.Uri.parse(uri).path)}`);
  if (!instruction) {
    return;
  }
  await createProposal(deps, 'tether: editing the file…', (token) =>
    deps.server.request<Proposal>(Methods.createProposal, { uri, instruction }, token));
}

let progressTokens = 0;

/**
 * A repo request under a cancellable notification that shows the server's own progress
 * messages ("Step 1/2: editing calc.py"): the request carries a work-done token this client
 * follows; Cancel cancels the request, which stops the run (proposals made so far stay).
 */
async function repoRequest(deps: CommandDeps, title: string, params: EditRepoParams): Promise<RepoRun> {
  const work = vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const workDoneToken = `tether-repo-${process.pid}-${(progressTokens += 1)}`;
      const follow = deps.server.onProgress(workDoneToken, (message) => progress.report({ message }));
      try {
        return await deps.server.executeCommand<RepoRun>(ServerCommands.editRepo, { ...params, workDoneToken }, token);
      } finally {
        follow.dispose();
      }
    },
  );
  return deps.status.busy('working on the repository', Promise.resolve(work));
}

/** Edit Repo: ask for the task, plan it, and show the plan as a document with "Run | Reject". */
async function editRepo(deps: CommandDeps): Promise<void> {
  const instruction = await askInstruction('tether: Edit Repo');
  if (!instruction) {
    return;
  }
  const run = await repoRequest(deps, 'tether: planning a repository edit…', { instruction });
  await deps.runs.show(run);
}

function runHere(deps: CommandDeps, arg: unknown): string | undefined {
  const given = asTarget(arg).runId;
  const editor = vscode.window.activeTextEditor;
  return given ?? (editor ? deps.runs.runOf(editor.document.uri)?.runId : undefined);
}

/**
 * Run a planned run's steps. Each proposal a step makes is announced by the server
 * (tether/proposalsChanged), lands in the Proposals view, and is opened for review as it
 * arrives; the plan document shows the finished run.
 */
async function runPlan(deps: CommandDeps, arg?: unknown): Promise<void> {
  const runId = runHere(deps, arg);
  if (!runId) {
    void vscode.window.showInformationMessage('Open a tether plan (tether: Repo Runs…) to run it.');
    return;
  }
  const known = new Set(deps.cache.all().map((p) => p.id));
  const opened = new Set<string>();
  let opening = Promise.resolve();
  const openNew = (): void => {
    for (const proposal of newRunProposals(known, deps.cache.all())) {
      const file = proposal.files.find((f) => f.hunks.some((h) => h.status === 'pending'));
      if (!opened.has(proposal.id) && file) {
        opened.add(proposal.id);
        // One after the other, in step order: the newest step's proposal ends up in front.
        opening = opening.then(() => openReview(proposal, file)).catch((err) => report(deps, err));
      }
    }
  };
  const watching = deps.cache.onDidChange(openNew);
  try {
    const run = await repoRequest(deps, 'tether: running the plan…', { planId: runId });
    run.proposals.forEach((proposal) => deps.cache.set(proposal));
    deps.runs.set(run);
    openNew();
  } finally {
    watching.dispose();
    // A cancelled or failed run keeps what it journaled: show it.
    void deps.server.request<RepoRun>(Methods.getRun, { runId }).then((run) => deps.runs.set(run), () => undefined);
  }
}

async function rejectPlan(deps: CommandDeps, arg?: unknown): Promise<void> {
  const runId = runHere(deps, arg);
  if (!runId) {
    void vscode.window.showInformationMessage('Open a tether plan (tether: Repo Runs…) to reject it.');
    return;
  }
  const run = await deps.server.request<RepoRun>(Methods.rejectRun, { runId });
  deps.runs.set(run);
  void vscode.window.showInformationMessage(`tether: ${run.outcome}`);
}

/** Pick one of the journaled runs (made here or by `tether repo`) and open its plan document. */
async function listRuns(deps: CommandDeps): Promise<void> {
  const { runs } = await deps.server.request<RunsResult>(Methods.listRuns, { all: true });
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('No repo run yet: run "tether: Edit Repo…" (or `tether repo --plan-only`).');
    return;
  }
  const pick = await vscode.window.showQuickPick(runs.map((run) => ({ ...runLabel(run), run })), { title: 'tether: Repo Runs' });
  if (pick) {
    await deps.runs.show(pick.run);
  }
}

/** Switch `tether.review.mode` (user settings) between inline and the diff editor. */
async function toggleReviewMode(): Promise<void> {
  const next = reviewMode() === 'inline' ? 'diff' : 'inline';
  await vscode.workspace.getConfiguration('tether').update('review.mode', next, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(next === 'inline' ? 'tether: reviewing inline, in the file itself.' : 'tether: reviewing in the diff editor.');
}

/** The hunk a keystroke means: the one at the cursor in a file or proposal, else the newest pending one. */
function hunkHere(cache: ProposalCache): { proposalId: string; hunkId: string } | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor) {
    for (const doc of documentHunks(cache, editor.document.uri, editor.document.lineCount)) {
      const span = pickHunk(doc.spans, editor.selection.active.line);
      if (span) {
        return { proposalId: doc.proposal.id, hunkId: span.hunk.id };
      }
    }
  }
  const proposal = cache.newestOpen();
  const hunk = proposal?.files.flatMap((f) => f.hunks).find((h) => h.status === 'pending' || h.status === 'conflict');
  return proposal && hunk ? { proposalId: proposal.id, hunkId: hunk.id } : undefined;
}

function proposalHere(cache: ProposalCache, arg: unknown, openOnly = true): string | undefined {
  const given = asTarget(arg).proposalId;
  if (given) {
    return given;
  }
  const editor = vscode.window.activeTextEditor;
  const inEditor = editor && documentHunks(cache, editor.document.uri)[0]?.proposal.id;
  if (inEditor) {
    return inEditor;
  }
  return cache.newestOpen()?.id ?? (openOnly ? undefined : cache.all().sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]?.id);
}

async function decide(deps: CommandDeps, accept: boolean, proposalId: string, hunkIds?: string[], overwriteConflicts?: boolean): Promise<void> {
  const params: HunksParams = overwriteConflicts ? { proposalId, hunkIds, overwriteConflicts } : { proposalId, hunkIds };
  if (accept) {
    const result = await deps.server.request<AcceptResult>(Methods.acceptHunks, params);
    deps.cache.set(result.proposal);
    if (!result.applied) {
      const why = result.failureReason ? ` (${result.failureReason})` : '';
      void vscode.window.showWarningMessage(
        `VS Code did not apply the hunk${why}: the file probably changed since the proposal was made. Reject it and ask again.`,
      );
    }
  } else {
    const result = await deps.server.request<RejectResult>(Methods.rejectHunks, params);
    deps.cache.set(result.proposal);
  }
}

async function decideHunk(deps: CommandDeps, accept: boolean, arg?: unknown): Promise<void> {
  const given = asTarget(arg);
  const target = given.proposalId && given.hunkId ? { proposalId: given.proposalId, hunkId: given.hunkId } : hunkHere(deps.cache);
  if (!target) {
    void vscode.window.showInformationMessage('No pending tether hunk to review.');
    return;
  }
  let overwrite = given.overwriteConflicts === true;
  const hunk = deps.cache.get(target.proposalId)?.files.flatMap((f) => f.hunks).find((h) => h.id === target.hunkId);
  if (accept && hunk?.status === 'conflict' && !overwrite) {
    // A conflict is accepted only by an explicit choice: the person's version of these lines goes.
    const take = 'Take proposal';
    const pick = await vscode.window.showWarningMessage(
      'You edited the lines of this tether hunk since it was proposed. Take the proposal (replacing your version of them) or keep yours (Reject)?',
      { modal: true },
      take,
      'Reject',
    );
    if (pick === undefined) {
      return;
    }
    accept = pick === take;
    overwrite = accept;
  }
  await decide(deps, accept, target.proposalId, [target.hunkId], overwrite);
  revealNextHunk(deps.cache);
}

async function decideAll(deps: CommandDeps, accept: boolean, arg?: unknown): Promise<void> {
  const proposalId = proposalHere(deps.cache, arg);
  if (!proposalId) {
    void vscode.window.showInformationMessage('No pending tether proposal.');
    return;
  }
  await decide(deps, accept, proposalId);
}

async function showContext(deps: CommandDeps, arg?: unknown): Promise<void> {
  const proposalId = proposalHere(deps.cache, arg, false);
  const result = await deps.server.executeCommand<ContextResult>(ServerCommands.showContext, proposalId ? { proposalId } : {});
  await deps.contexts.show(result.proposalId, result.text);
}

async function setAutonomy(deps: CommandDeps, arg?: unknown): Promise<void> {
  let level: Level | undefined = isLevel(arg) ? arg : undefined;
  if (!level) {
    const max = deps.status.maxLevel ?? 'repo';
    const items = LEVELS.map((l) => ({
      label: l,
      description: l === deps.status.level ? 'current' : levelAllowed(l, max) ? '' : `above maxLevel (${max})`,
    }));
    level = (await vscode.window.showQuickPick(items, { title: 'tether: Set Autonomy Level' }))?.label;
  }
  if (!level) {
    return;
  }
  const result = await deps.server.request<LevelResult>(Methods.setLevel, { level });
  deps.status.setLevel(result.level, result.maxLevel);
}

/** The Proposals view's click on a file or hunk: open it for review (inline or diff, per tether.review.mode). */
async function openDiffCommand(deps: CommandDeps, arg?: unknown): Promise<void> {
  const { proposalId, path: file, hunkId } = asTarget(arg);
  const ref = proposalId && file ? deps.cache.file(proposalId, file) : undefined;
  if (ref) {
    await openReview(ref.proposal, ref.file, hunkId);
  }
}

export async function refreshProposals(deps: CommandDeps): Promise<void> {
  if (deps.server.state.kind === 'running') {
    const result = await deps.server.request<{ proposals: Proposal[] }>(Methods.listProposals, {});
    deps.cache.syncOpen(result.proposals ?? []);
  }
}

const HANDLERS: Record<(typeof COMMAND_IDS)[number], Handler> = {
  'tether.editSelection': editSelection,
  'tether.editFile': editFile,
  'tether.editRepo': editRepo,
  'tether.runPlan': runPlan,
  'tether.rejectPlan': rejectPlan,
  'tether.listRuns': listRuns,
  'tether.toggleReviewMode': toggleReviewMode,
  'tether.acceptHunk': (deps, arg) => decideHunk(deps, true, arg),
  'tether.rejectHunk': (deps, arg) => decideHunk(deps, false, arg),
  'tether.acceptAll': (deps, arg) => decideAll(deps, true, arg),
  'tether.rejectAll': (deps, arg) => decideAll(deps, false, arg),
  'tether.showContext': showContext,
  'tether.setAutonomy': setAutonomy,
  'tether.openDiff': openDiffCommand,
  'tether.refreshProposals': refreshProposals,
  'tether.showLogs': (deps) => deps.server.showLogs(),
  'tether.restartServer': (deps) => deps.server.restart(),
};

/** Register every command; errors become one message with a "Show Logs" action. */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  return COMMAND_IDS.map((id) =>
    vscode.commands.registerCommand(id, async (arg?: unknown) => {
      try {
        await HANDLERS[id](deps, arg);
      } catch (err) {
        report(deps, err);
      }
    }),
  );
}
