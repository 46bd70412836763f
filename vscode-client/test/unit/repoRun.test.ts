import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { RepoRun } from '../../src/protocol';
import { newRunProposals, planDocument, runIdOfPath, runLabel } from '../../src/repoRun';
import { proposal } from './fixtures';

const PLAN = '# tether plan: Add mul\n\n[[steps]]\nintent = "Add mul"\nfiles = ["calc.py"]\n';

function run(extra: Partial<RepoRun> = {}): RepoRun {
  return {
    runId: '3f2a9c1be0d4',
    task: 'Add mul(a, b) to calc.py.',
    status: 'planned',
    success: false,
    outcome: 'Planned 1 steps; nothing was edited yet.',
    plan: PLAN,
    steps: [],
    proposals: [],
    warnings: [],
    ...extra,
  };
}

test('a planned run reads as a header that says what to do, then the plan', () => {
  const text = planDocument(run());
  assert.ok(text.startsWith('# tether repo run 3f2a9c1be0d4: planned\n# Task: Add mul(a, b) to calc.py.\n'));
  assert.match(text, /"Run" above/);
  assert.ok(text.endsWith(`\n\n${PLAN}`));
});

test('a finished run lists its steps, warnings and check, and no longer offers to run', () => {
  const text = planDocument(run({
    status: 'done',
    outcome: 'Done: 1 proposals.',
    steps: [{ number: 1, intent: 'Add mul', files: ['calc.py'], proposals: ['b71c0e55a9f2'] }],
    warnings: ['The check command was not approved, so no check ran.'],
    check: { passed: true, summary: '`pytest` passed.', output: '' },
  }));
  assert.doesNotMatch(text, /"Run" above/);
  assert.match(text, /# Step 1 done: Add mul \[calc\.py\]: proposals b71c0e55a9f2\n/);
  assert.match(text, /# Warning: The check command was not approved/);
  assert.match(text, /# Check: `pytest` passed\./);
  assert.deepEqual(runLabel(run()), { label: 'Add mul(a, b) to calc.py.', description: 'planned · 3f2a9c1be0d4', detail: 'Planned 1 steps; nothing was edited yet.' });
});

test('the proposals a run made are the new repo edits, oldest first', () => {
  const old = proposal('old', [], { level: 'repo' });
  const second = proposal('b', [], { level: 'repo', createdAt: '2026-11-22T10:00:02+00:00' });
  const first = proposal('a', [], { level: 'repo', createdAt: '2026-11-22T10:00:01+00:00' });
  const plan = proposal('p', [], { level: 'repo', kind: 'plan' });
  const selection = proposal('s', []);
  assert.deepEqual(newRunProposals(new Set(['old']), [old, second, plan, selection, first]).map((p) => p.id), ['a', 'b']);
});

test('a plan document URI path names its run', () => {
  assert.equal(runIdOfPath('/3f2a9c1be0d4.toml'), '3f2a9c1be0d4');
  assert.equal(runIdOfPath('/notes.md'), undefined);
});
