/**
 * Wire types of the tether language server (docs/lsp.md, notes in lsp-protocol.md).
 *
 * Pure types and method names only: no `vscode` import, so unit tests can load it.
 * JSON on the wire is camelCase.
 */

export const LEVELS = ['complete', 'selection', 'file', 'repo'] as const;
export type Level = (typeof LEVELS)[number];

export type HunkStatus = 'pending' | 'accepted' | 'rejected';
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
