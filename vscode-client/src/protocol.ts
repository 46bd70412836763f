/**
 * Wire types of the tether language server (docs/lsp.md, notes in lsp-protocol.md).
 *
 * Pure types and method names only: no `vscode` import, so unit tests can load it.
 * JSON on the wire is camelCase.
 */

export const LEVELS = ['complete', 'selection', 'file', 'repo'] as const;
export type Level = (typeof LEVELS)[number];

/** `conflict`: the person edited the hunk's own lines since it was proposed; accepting it needs `overwriteConflicts`. */
export type HunkStatus = 'pending' | 'accepted' | 'rejected' | 'conflict';
export type ProposalStatus = 'pending' | 'partial' | 'done' | 'rejected' | 'empty';

/** LSP position/range (0-based line and UTF-16 character). */
export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}

export interface Hunk {
  id: string;
  /** 1-based first base line of the hunk, context lines included. */
  oldStart: number;
  /** Base lines the hunk covers, each with its line ending. */
  oldLines: string[];
  newLines: string[];
  /** Unified-diff text of the hunk, `@@` header included. */
  diff: string;
  status: HunkStatus;
  /**
   * Where the hunk's own lines are in the current buffer (0-based lines, end exclusive at
   * column 0; empty for a hunk that only adds lines), kept up to date by the server as the
   * buffer changes. Absent from servers without hunk anchoring and for rejected hunks.
   */
  range?: Range;
}

export interface FileChange {
  /** Workspace-relative, '/'-separated. */
  path: string;
  uri: string;
  baseHash: string;
  /** The whole file with every hunk applied. */
  newText: string;
  hunks: Hunk[];
}

export interface Source {
  kind: string;
  path?: string;
  startLine?: number;
  endLine?: number;
  url?: string;
  heading?: string;
  tokens?: number;
  untrusted: boolean;
}

export interface Proposal {
  id: string;
  kind: 'edit' | 'plan';
  level: Level;
  instruction: string;
  rationale: string;
  model: string;
  createdAt: string;
  status: ProposalStatus;
  warnings: string[];
  sources: Source[];
  files: FileChange[];
}

export interface ProposalSummary {
  id: string;
  level: Level;
  instruction: string;
  status: ProposalStatus;
  files: string[];
  hunks: number;
}

export interface ModelInfo {
  name: string;
  kind: string;
  loaded: boolean;
}

export type ModelState = 'ready' | 'loading' | 'error';

export interface ServerStatus {
  level: Level;
  maxLevel: Level;
  models: ModelInfo[];
  state: ModelState;
  error?: string;
}

export interface LevelResult {
  level: Level;
  maxLevel: Level;
}

export interface AcceptResult {
  applied: boolean;
  proposal: Proposal;
  /** Why the editor refused the edit, when `applied` is false. */
  failureReason?: string;
}

export interface RejectResult {
  proposal: Proposal;
}

export interface ContextResult {
  proposalId: string;
  sources: Source[];
  text: string;
}

export interface CreateProposalParams {
  uri: string;
  instruction: string;
  range?: Range;
}

export interface HunksParams {
  proposalId: string;
  hunkIds?: string[];
  /** Accept: also take the proposal for named hunks in conflict, replacing the person's version of their lines. */
  overwriteConflicts?: boolean;
}

/** A repo run's state (server/tether/lsp/repo.py RepoRunOut). */
export type RunStatus = 'planned' | 'running' | 'done' | 'stopped';

export interface RepoStep {
  /** 1-based step number in the plan. */
  number: number;
  intent: string;
  files: string[];
  /** Ids of the edit proposals the step made. */
  proposals: string[];
}

export interface RepoCheck {
  passed: boolean;
  summary: string;
  output: string;
}

/** `tether.editRepo`, `tether/getRun`, `tether/rejectRun` result: one repo run and its plan. */
export interface RepoRun {
  /** Also the id of its plan proposal. */
  runId: string;
  task: string;
  status: RunStatus;
  success: boolean;
  /** One sentence for people: how the run ended (or that it waits for its plan to be run). */
  outcome: string;
  /** The plan as editable TOML ("" before there is one). */
  plan: string;
  planProposal?: Proposal;
  /** Steps run so far. */
  steps: RepoStep[];
  /** Edit proposals of the run, in the order they apply. */
  proposals: Proposal[];
  warnings: string[];
  check?: RepoCheck;
  /** The TetherError type that stopped the run (ProposalError for a rejected plan). */
  errorType?: string;
}

/** `tether.editRepo` argument: a new run (`instruction`) or running a planned one (`planId`). */
export interface EditRepoParams {
  instruction?: string;
  check?: string;
  planId?: string;
  /** With planId: an edited plan (TOML or JSON) to run instead. */
  plan?: string;
  reviewPlan?: boolean;
  maxFiles?: number;
  maxSteps?: number;
  workDoneToken?: string | number;
}

export interface RunsResult {
  runs: RepoRun[];
}

/** Extension methods under `tether/`. */
export const Methods = {
  createProposal: 'tether/createProposal',
  listProposals: 'tether/listProposals',
  getProposal: 'tether/getProposal',
  acceptHunks: 'tether/acceptHunks',
  rejectHunks: 'tether/rejectHunks',
  setLevel: 'tether/setLevel',
  status: 'tether/status',
  proposalsChanged: 'tether/proposalsChanged',
  listRuns: 'tether/listRuns',
  getRun: 'tether/getRun',
  rejectRun: 'tether/rejectRun',
} as const;

/** workspace/executeCommand ids the server implements that have no `tether/` method. */
export const ServerCommands = {
  editRepo: 'tether.editRepo',
  showContext: 'tether.showContext',
} as const;

/** JSON-RPC error code the server uses for TetherError (message is a user-facing sentence). */
export const TETHER_ERROR_CODE = -32001;

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

/** Whether `level` is allowed under the ceiling `maxLevel`. */
export function levelAllowed(level: Level, maxLevel: Level): boolean {
  return LEVELS.indexOf(level) <= LEVELS.indexOf(maxLevel);
}

/** The user-facing text of an error from a request (TetherError messages are full sentences). */
export function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err && typeof err.message === 'string' && err.message) {
    return err.message;
  }
  return String(err);
}

/** Whether an error is the server's TetherError of the given type (e.g. "StaleError"). */
export function isTetherError(err: unknown, type?: string): boolean {
  const e = err as { code?: unknown; data?: { type?: unknown } } | undefined;
  return e?.code === TETHER_ERROR_CODE && (type === undefined || e.data?.type === type);
}

/** Commands the server advertises minus those the extension registers itself. */
export function withoutOwned(commands: string[] | undefined, owned: ReadonlySet<string>): string[] {
  return (commands ?? []).filter((command) => !owned.has(command));
}
