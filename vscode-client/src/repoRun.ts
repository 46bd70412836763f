/**
 * Repo runs in the client: the text of a run's plan document and which proposals a running
 * run has just made.
 *
 * Pure (no `vscode` import). A run is the server's RepoRun (protocol.ts); its plan is TOML.
 */

import type { Proposal, RepoRun } from './protocol';

/** The read-only document that shows a run: a comment header (task, state, what to do) and the plan. */
export function planDocument(run: RepoRun): string {
  const header = [
    `# tether repo run ${run.runId}: ${run.status}`,
    `# Task: ${run.task.split('\n')[0]}`,
    `# ${run.outcome}`,
  ];
  if (run.status === 'planned') {
    header.push('# Run the plan with "Run" above (tether: Run Plan), or turn it down with "Reject".');
  }
  for (const step of run.steps) {
    const made = step.proposals.length ? `proposals ${step.proposals.join(', ')}` : 'no proposal';
    header.push(`# Step ${step.number} done: ${step.intent} [${step.files.join(', ')}]: ${made}`);
  }
  for (const warning of run.warnings) {
    header.push(`# Warning: ${warning}`);
  }
  if (run.check) {
    header.push(`# Check: ${run.check.summary}`);
  }
  return `${header.join('\n')}\n\n${run.plan || '# (no plan)\n'}`;
}

/** One line for a quick pick of runs. */
export function runLabel(run: RepoRun): { label: string; description: string; detail: string } {
  return { label: run.task.split('\n')[0].slice(0, 80) || run.runId, description: `${run.status} · ${run.runId}`, detail: run.outcome };
}

/**
 * Edit proposals of the repo level that appeared since a run started: in `proposals`, not in
 * `known` (the ids the client had when the run started), oldest first, so they open in the
 * order the steps made them.
 */
export function newRunProposals(known: ReadonlySet<string>, proposals: Proposal[]): Proposal[] {
  return proposals
    .filter((p) => !known.has(p.id) && p.kind === 'edit' && p.level === 'repo')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** The run id a plan document's URI names (`tether-run:/<runId>.toml`). */
export function runIdOfPath(path: string): string | undefined {
  return /^\/?([0-9a-f]+)\.toml$/.exec(path)?.[1];
}
