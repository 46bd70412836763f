"""Running one plan step: edit each of its files, validate, check, re-ask, propose.

Each file is rewritten through the edit op's own machinery (``ops.edit.propose_text``: whole-file
rewrite, or SEARCH/REPLACE blocks for long files; replies that are cut off, elide code or break
the parse are re-asked). Steps build on each other through an overlay of the texts proposed so
far, so nothing is written to the workspace. With a check command, the step's texts go into the
scratch copy and the check runs there; a step that makes a passing check fail (or a last step
that leaves it failing) is asked again with the check's output, a bounded number of times.
Every file change becomes its own small proposal, held to the leash's line limit.

File operations (docs/repo.md, "File operations"): a step's renames, deletions and creations
come before its edits. A new file's whole text is asked of the model (``prompts.repo.
new_file_messages``, validated like a whole-file rewrite); deleting and renaming take no model
call, and a renamed file named in the step's ``files`` is edited under its new name, the edit
riding in the rename's proposal. The overlay holds None for a file a step deleted or moved away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..backends.base import Backend, GenerationRequest
from ..backends.runtime import Generation
from ..context.budget import counter_for
from ..edits.elision import check_elision
from ..edits.guards import review_flags
from ..edits.lines import apply_line_edit, line_edit_max_tokens, line_edit_schema, parse_line_edit
from ..edits.loop import ask_until_valid
from ..edits.plan import PlanStep
from ..edits.reply import check_form, extract_code
from ..edits.validate import check_syntax, finish_text, restore_secrets
from ..engine import EditTarget
from ..errors import GenerationError, InputError, TetherError
from ..languages import language_for
from ..lines import line_count
from ..pack import ContextPack, Source
from ..prompts.edit import fence_for
from ..prompts.repo import check_feedback, line_edit_messages, new_file_messages, step_instruction
from ..proposals import FileChange, Proposal, build_create, build_delete, build_file_change, build_rename
from ..secrets import redact
from ..slider import LeashLimits, Level, check_changes
from .check import CheckResult, Scratch, check_env, run_check
from .edit import make_target, propose_text
from .gather import gather_context
from .repo_models import CallBudget, RepoOptions, RepoRun, RunHooks, StepReport

if TYPE_CHECKING:
    from ..engine import Engine


class StepRunner:
    def __init__(
        self,
        engine: Engine,
        backend: Backend,
        run: RepoRun,
        options: RepoOptions,
        limits: LeashLimits,
        budget: CallBudget,
        hooks: RunHooks,
        scratch: Scratch | None,
        check: list[str] | None,
    ):
        self.engine, self.backend, self.run, self.options = engine, backend, run, options
        self.limits, self.budget, self.hooks = limits, budget, hooks
        self.scratch, self.check = scratch, check
        self.originals: dict[str, str | None] = {}  # text at the run's start; None: the file did not exist
        self.overlay: dict[str, str | None] = {}  # text the steps so far proposed; None: deleted or moved away
        self.origin: dict[str, str] = {}  # path a renamed file has now -> the path it had at the run's start
        self.check_passing = bool(run.baseline_check and run.baseline_check.passed)

    def peek(self, rel: str) -> str | None:
        """The file as the steps so far left it; None when it does not exist (then or yet)."""
        if rel in self.overlay:
            return self.overlay[rel]
        if rel not in self.originals:
            read = self.hooks.read or self.engine.workspace.read_text
            try:
                self.originals[rel] = read(rel)
            except (InputError, OSError):
                if (self.engine.workspace.root / rel).exists():
                    raise
                self.originals[rel] = None
        return self.originals[rel]

    def text(self, rel: str) -> str:
        """The file as the steps so far left it; InputError when a step deleted or moved it."""
        text = self.peek(rel)
        if text is None:
            raise InputError(f"{rel} does not exist at this point of the plan (deleted, moved or not created yet).")
        return text

    async def run_step(self, number: int, step: PlanStep) -> StepReport:
        total = len(self.run.plan.steps) if self.run.plan else number
        report = StepReport(number=number, intent=step.intent, files=step.paths())
        start = {rel: self.peek(rel) for rel in step.paths()}
        feedback = ""
        # the last complete attempt: (changes, packs, check)
        kept: tuple[dict[str, FileChange], dict[str, ContextPack], CheckResult | None] | None = None
        while True:
            report.attempts += 1
            try:
                changes, packs = await self._attempt(step, number, total, start, feedback)
            except TetherError as exc:
                if kept is None:
                    raise
                # A re-ask after a failed check gave nothing usable: keep the attempt before it.
                self.run.warnings.append(
                    f"Step {number}: asking again after the failed check gave no usable edit ({exc}); kept the earlier attempt."
                )
                changes, packs, report.check = kept
                self._put_scratch(start, changes)
                break
            self._put_scratch(start, changes)
            report.check = await self._check(number, total)
            kept = (changes, packs, report.check)
            if report.check is None or report.check.passed or not self._reask(report, number, total):
                break
            feedback = check_feedback(report.check.command, report.check.output)
        if report.check is not None:
            self.check_passing = report.check.passed
        for rel, change in changes.items():
            proposal = self._propose(change, step, number, total, packs[rel])
            report.proposals.append(proposal.id)
            report.changed_lines += proposal.changed_lines
            self._record(change)
        if not changes:
            self.run.warnings.append(f"Step {number} ({step.intent}) changed nothing.")
        return report

    async def _attempt(
        self, step: PlanStep, number: int, total: int, start: dict[str, str | None], feedback: str
    ) -> tuple[dict[str, FileChange], dict[str, ContextPack]]:
        """Do every file of the step once; the changes (each held to the line leash) and what the model saw.

        Keyed by the path each change leaves (a deleted file's own path). Order: renames (edited
        too when ``files`` names the new path), deletions, creations, edits.
        """
        changes: dict[str, FileChange] = {}
        packs: dict[str, ContextPack] = {}
        moved = {r.to: r.from_ for r in step.rename}
        for rel in moved:
            base = start[moved[rel]]
            assert base is not None, "normalize_plan lets a step rename only a file that exists"
            new_text = base
            if rel in step.files:
                self.hooks.progress(f"Step {number}/{total}: moving {moved[rel]} to {rel} and editing it")
                new_text, packs[rel] = await self._edit_file(rel, base, step, number, total, feedback)
            changes[rel] = build_rename(moved[rel], rel, base, new_text)
            packs.setdefault(rel, ContextPack())
        for rel in step.delete:
            base = start[rel]
            assert base is not None, "normalize_plan lets a step delete only a file that exists"
            changes[rel], packs[rel] = build_delete(rel, base), ContextPack()
        for rel in step.create:
            self.hooks.progress(f"Step {number}/{total}: writing the new file {rel}")
            new_text, packs[rel] = await self._create_file(rel, step, number, total, feedback)
            changes[rel] = build_create(rel, new_text)
        for rel in step.files:
            if rel in changes:
                continue
            self.hooks.progress(f"Step {number}/{total}: editing {rel}")
            base = start[rel]
            assert base is not None, "normalize_plan lets a step edit only a file that exists"
            new_text, packs[rel] = await self._edit_file(rel, base, step, number, total, feedback)
            change = build_file_change(rel, base, new_text)
            if change.hunks:
                changes[rel] = change
        for change in changes.values():
            check_changes(Level.REPO, self.limits, 1, sum(h.changed_lines for h in change.hunks))
        return changes, packs

    async def _create_file(self, rel: str, step: PlanStep, number: int, total: int, feedback: str) -> tuple[str, ContextPack]:
        """The whole text of the new file ``rel``, asked of the model and checked like a whole-file rewrite."""
        others = [f for f in step.paths() if f != rel]
        instruction = step_instruction(self.run.task, step.intent, number, total, others) + feedback
        target = make_target(rel, "", None, instruction, Level.REPO)
        pack, _ = await gather_context(self.engine, target, self.backend, "")
        await self._add_files(pack, others)
        lang = language_for(rel)
        fence = fence_for("")
        request = GenerationRequest(
            messages=new_file_messages(rel, lang, instruction, pack, fence),
            assistant_prefix=f"{fence}{lang}\n",
            max_tokens=self.engine.settings.edit.max_tokens,
            temperature=self.engine.settings.edit.temperature,
        )

        def parse(generation: Generation) -> str:
            code = extract_code(generation.text, "")
            check_form(code, "")
            code = code.replace("\r\n", "\n").replace("\r", "\n")
            if not code.strip():
                raise GenerationError("The reply was empty.", kind="empty", ask="Write the complete code of the new file.")
            check_elision("", code, lang)
            return finish_text(rel, "", code if code.endswith("\n") else code + "\n")

        want = 1 + self.engine.settings.edit.max_reasks
        text = await self.budget.spend(
            lambda calls: ask_until_valid(self.backend, request, parse, calls), want, f"step {number} (new file {rel})"
        )
        return text, pack

    def _record(self, change: FileChange) -> None:
        """Put a proposed change in the overlay (later steps see it)."""
        if change.op == "delete":
            self.overlay[change.path] = None
            return
        if change.op == "rename":
            assert change.old_path is not None
            self.overlay[change.old_path] = None
            self.origin[change.path] = self.origin.pop(change.old_path, change.old_path)
        elif change.op == "create":
            self.peek(change.path)  # remembers that it did not exist at the start
        self.overlay[change.path] = change.new_text

    def _reask(self, report: StepReport, number: int, total: int) -> bool:
        """Ask again when this step broke a passing check, or the last step leaves it failing, but not when
        the check fails just as it did before any edit: the edits did not cause that, so asking again is no use."""
        within = report.attempts <= self.options.check_reasks and self.budget.left() > 0
        if report.check is not None and report.check.same_failure(self.run.baseline_check):
            return False
        return within and (self.check_passing or number == total)

    async def _edit_file(self, rel: str, text: str, step: PlanStep, number: int, total: int, feedback: str) -> tuple[str, ContextPack]:
        others = [f for f in step.files if f != rel]
        instruction = step_instruction(self.run.task, step.intent, number, total, others) + feedback
        target = make_target(rel, text, None, instruction, Level.REPO)
        pack, region_tokens = await gather_context(self.engine, target, self.backend, text)
        await self._add_files(pack, others)
        want = 1 + self.engine.settings.edit.max_reasks
        label = f"step {number} ({rel})"
        if await self._format() == "lines":
            new_text = await self._line_edit(target, pack, want, label)
        else:
            new_text = await self.budget.spend(
                lambda calls: propose_text(self.engine, self.backend, target, pack, region_tokens, calls), want, label
            )
        return new_text, pack

    async def _format(self) -> str:
        if self.options.edit_format != "auto":
            return self.options.edit_format
        return "lines" if (await self.backend.capabilities()).grammar else "rewrite"

    async def _line_edit(self, target: EditTarget, pack: ContextPack, want: int, label: str) -> str:
        """One schema-bound line-region edit (edits/lines.py), validated like a rewrite."""
        text = target.text
        request = GenerationRequest(
            messages=line_edit_messages(target.path, language_for(target.path), text, target.instruction, pack),
            json_schema=line_edit_schema(text),
            max_tokens=line_edit_max_tokens(text),
            temperature=self.engine.settings.edit.temperature,
        )

        def parse(generation: Generation) -> str:
            new_text = apply_line_edit(text, parse_line_edit(generation.text, text), generation.truncated)
            new_text = restore_secrets(new_text, text)
            check_syntax(target.path, text, new_text)
            return new_text

        return await self.budget.spend(lambda calls: ask_until_valid(self.backend, request, parse, calls), want, label)

    async def _add_files(self, pack: ContextPack, others: list[str]) -> None:
        """The step's other files, as they stand now, within an eighth of the context window."""
        if not others:
            return
        left = (await self.backend.capabilities()).n_ctx // 8
        count = counter_for(self.backend).count
        for rel in others:
            current = self.peek(rel)
            if current is None:  # created or moved in this very step: not there yet
                continue
            text = redact(current)
            tokens = await count(text)
            if tokens > left:
                continue
            pack.add(Source(kind="file", path=rel, start_line=1, end_line=line_count(text), tokens=tokens), text)
            left -= tokens

    def _put_scratch(self, start: dict[str, str | None], changes: dict[str, FileChange]) -> None:
        """The scratch copy holds the step's files as ``changes`` leave them (or as they started)."""
        if self.scratch is None:
            return
        after = dict(start)
        for rel, change in changes.items():
            after[rel] = None if change.op == "delete" else change.new_text
            if change.op == "rename" and change.old_path is not None:
                after[change.old_path] = None
        for rel, text in after.items():
            if text is None:
                self.scratch.remove(rel)
            else:
                self.scratch.write(rel, text)

    async def _check(self, number: int, total: int) -> CheckResult | None:
        if self.scratch is None or not self.check:
            return None
        self.hooks.progress(f"Step {number}/{total}: running the check")
        env = check_env(self.options.check_env == "inherit", workspace=self.engine.workspace.root)
        return await run_check(self.check, self.scratch.root, self.options.check_timeout_s, env=env)

    def _propose(self, change: FileChange, step: PlanStep, number: int, total: int, pack: ContextPack) -> Proposal:
        proposal = Proposal(
            level=Level.REPO,
            instruction=self.run.task,
            rationale=f"Step {number}/{total}: {step.intent} ({change.path})",
            model=self.backend.name,
            files=[change],
            sources=pack.sources(),
            warnings=review_flags(change),
            run_id=self.run.id,
            step=number,
            step_intent=step.intent,
        )
        self.engine.store.save(proposal)
        self.run.proposals.append(proposal.id)
        self.run.warnings += [w for w in proposal.warnings if w not in self.run.warnings]
        self.hooks.proposal(proposal)
        return proposal

    def net_changes(self) -> list[FileChange]:
        """One change per file, from its text at the run's start to the last one proposed (file operations included)."""
        out: list[FileChange] = []
        for rel, text in self.overlay.items():
            if text is None:
                continue
            source = self.origin.get(rel, rel)
            base = self.originals.get(source)
            if base is None:
                out.append(build_create(rel, text))
            elif source != rel:
                out.append(build_rename(source, rel, base, text))
            elif text != base:
                out.append(build_file_change(rel, base, text))
        moved = set(self.origin.values())
        for rel, text in self.overlay.items():
            base = self.originals.get(rel)
            if text is None and base is not None and rel not in moved:
                out.append(build_delete(rel, base))
        return out
