"""One ``session/prompt`` turn: the bounded repo agent, streamed to an ACP client, written on permission.

    prompt text -> plan (``ops.repo.run_repo``, plan_only) -> a ``plan`` session update
                -> steps (``ops.repo.continue_run``) -> one ``tool_call`` (kind "edit", status
                   "pending") per proposal, its content a diff per file (old/new text)
                -> ``session/request_permission`` on one "write" tool call holding the net diff
                -> allow: ``fs/write_text_file`` per file when the client offers it (its buffers
                   and undo apply), else tether's journaled write to disk (``ops.review.write_plans``)
                -> reject: every proposal of the run is rejected; nothing is written.

Nothing is written before the client's answer; a run that stopped (a leash limit, a model that
kept failing) writes nothing and says why. The ACP shapes are those of the spec's "Prompt Turn",
"Agent Plan", "Tool Calls" and "File System" pages (protocol version 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acp import (
    PromptResponse,
    RequestError,
    plan_entry,
    start_tool_call,
    text_block,
    tool_content,
    tool_diff_content,
    update_agent_message_text,
    update_agent_thought_text,
    update_plan,
    update_tool_call,
)
from acp.interfaces import Client
from acp.schema import AllowedOutcome, FileSystemCapabilities, PermissionOption, PlanEntry, ToolCallLocation, ToolCallUpdate

from ..edits.plan import Plan
from ..engine import Engine
from ..errors import InputError
from ..ops.fileops import FilePlan
from ..ops.repo import continue_run, run_repo
from ..ops.repo_models import RepoOptions, RepoRun, RunHooks
from ..ops.review import mark, plan_accept, write_plans
from ..proposals import FileChange, HunkStatus, Proposal
from ..slider import Level, check_slider

log = logging.getLogger(__name__)

ALLOW, REJECT = "allow", "reject"
PERMISSION_OPTIONS = [
    PermissionOption(option_id=ALLOW, name="Write the changes", kind="allow_once"),
    PermissionOption(option_id=REJECT, name="Reject them", kind="reject_once"),
]


@dataclass
class Staged:
    """The writes of a finished run: per proposal (in order) its file plans, and the net change per file."""

    writes: list[tuple[Proposal, list[FilePlan]]] = field(default_factory=list)
    before: dict[str, str | None] = field(default_factory=dict)  # workspace-relative path -> text now (None: absent)
    after: dict[str, str | None] = field(default_factory=dict)  # -> text once written (None: deleted or moved away)


class Turn:
    """One prompt turn of one session. ``client``: the connection to the editor; ``fs``: the file
    system methods it offered at ``initialize``; ``task``: the prompt as the repo agent's task."""

    def __init__(self, client: Client, session_id: str, engine: Engine, fs: FileSystemCapabilities, task: str):
        self.client, self.session_id, self.engine, self.fs, self.task = client, session_id, engine, fs, task
        self.root = engine.workspace.root
        self.entries: list[PlanEntry] = []
        self.tool_calls: list[str] = []
        self._open_calls: dict[str, None] = {}  # started tool calls not yet completed or failed, in order
        self._updates: asyncio.Queue[Any] = asyncio.Queue()

    async def run(self) -> PromptResponse:
        """The turn to its end. Raises TetherError (a leash below repo, an empty task, a stale file);
        before it does, every tool call the turn started and did not finish is updated to
        "failed". A stopped run is reported in the conversation instead. Cancellation propagates."""
        check_slider(Level.REPO, self.engine.settings.level, self.engine.settings.max_level)
        pump = asyncio.create_task(self._pump())
        try:
            try:
                response = await self._plan_and_run()
            except Exception:  # what was streamed so far, and the failed tool calls, reach the client before the error does
                self._finish(list(self._open_calls), "failed")
                await self._drain()
                raise
            await self._drain()
            return response
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _plan_and_run(self) -> PromptResponse:
        # The client's fs has no delete or rename: through it, the plan may only edit and create files.
        options = RepoOptions(task=self.task, plan_only=True, file_ops=not self.fs.write_text_file)
        hooks = RunHooks(progress=self._progress, proposal=self._proposal)
        planned = await run_repo(self.engine, options, hooks)
        if planned.status != "planned" or planned.plan is None:
            return self._say(planned.outcome())
        self._show_plan(planned.plan)
        run = await continue_run(self.engine, planned.id, None, hooks)
        self._mark_steps(len(run.steps))
        if run.status != "done":
            self._finish(self.tool_calls, "failed")
            pending = " Its proposals stay pending: `tether proposals list`." if run.proposals else ""
            return self._say(f"{run.outcome()} Nothing was written.{pending}")
        if not run.proposals:
            return self._say(run.outcome())
        return await self._ask_and_write(run)

    # ---- streaming --------------------------------------------------------------------------

    def _send(self, update: Any) -> None:
        self._updates.put_nowait(update)

    async def _pump(self) -> None:
        """Send queued session updates in order (the run's hooks are synchronous)."""
        while True:
            update = await self._updates.get()
            try:
                await self.client.session_update(session_id=self.session_id, update=update)
            except Exception as exc:  # a client gone away: the run still ends and journals its outcome
                log.warning("session/update not delivered: %s", exc)
            finally:
                self._updates.task_done()

    async def _drain(self) -> None:
        await self._updates.join()

    def _say(self, text: str) -> PromptResponse:
        self._send(update_agent_message_text(text))
        return PromptResponse(stop_reason="end_turn")

    def _progress(self, message: str) -> None:
        self._send(update_agent_thought_text(f"{message}\n"))

    def _show_plan(self, plan: Plan) -> None:
        self.entries = [plan_entry(step.intent, priority="medium", status="pending") for step in plan.steps]
        self._mark_steps(0)

    def _mark_steps(self, done: int, running: int | None = None) -> None:
        """Plan entries before ``done`` completed, entry ``running`` (0-based) in progress; sends the whole plan."""
        for index, entry in enumerate(self.entries):
            entry.status = "completed" if index < done else "in_progress" if index == running else "pending"
        if self.entries:
            self._send(update_plan([entry.model_copy() for entry in self.entries]))

    def _proposal(self, proposal: Proposal) -> None:
        if proposal.kind != "edit":
            return
        if proposal.step is not None:
            self._mark_steps(proposal.step - 1, proposal.step - 1)
        title = f"Step {proposal.step}: {proposal.step_intent}" if proposal.step else proposal.rationale.split("\n")[0]
        self.tool_calls.append(proposal.id)
        self._open_calls[proposal.id] = None
        self._send(
            start_tool_call(
                proposal.id,
                title or "Edit",
                kind="edit",
                status="pending",
                content=[content for change in proposal.files for content in self._change_content(change)],
                locations=[ToolCallLocation(path=self._abs(change.path)) for change in proposal.files],
                raw_input={"proposalId": proposal.id, "runId": proposal.run_id},
            )
        )

    def _change_content(self, change: FileChange) -> list[Any]:
        """ACP diff content of one file change: old text (None for a new file) and new text, absolute path."""
        old = None if change.op == "create" else change.base_text
        diff = tool_diff_content(self._abs(change.path), change.new_text, old)
        if change.op in ("delete", "rename"):
            return [tool_content(text_block(change.label())), diff]
        return [diff]

    def _abs(self, rel: str) -> str:
        return str(self.root / rel)

    # ---- permission and writing -------------------------------------------------------------

    async def _ask_and_write(self, run: RepoRun) -> PromptResponse:
        staged = await self._stage(run)
        apply_id = f"{run.id}-write"
        files = sorted(set(staged.before) | set(staged.after))
        title = f"Write {len(files)} file{'s' * (len(files) != 1)}: {', '.join(files)}"
        content = [
            tool_diff_content(self._abs(rel), staged.after.get(rel) or "", staged.before.get(rel))
            for rel in files
            if staged.before.get(rel) != staged.after.get(rel)
        ]
        locations = [ToolCallLocation(path=self._abs(rel)) for rel in files]
        self._send(start_tool_call(apply_id, title, kind="edit", status="pending", content=content, locations=locations))
        self._open_calls[apply_id] = None
        await self._drain()  # the client sees every diff before it is asked
        answer = await self.client.request_permission(
            session_id=self.session_id,
            tool_call=ToolCallUpdate(tool_call_id=apply_id, title=title, kind="edit", status="pending"),
            options=PERMISSION_OPTIONS,
        )
        outcome = answer.outcome
        if not isinstance(outcome, AllowedOutcome):  # "cancelled": the turn was cancelled while asking
            return PromptResponse(stop_reason="cancelled")
        if outcome.option_id != ALLOW:
            for proposal_id in run.proposals:
                mark(self.engine, self.engine.store.get(proposal_id), None, HunkStatus.REJECTED)
            self._finish([*self.tool_calls, apply_id], "failed")
            count = len(run.proposals)
            which = "the proposal" if count == 1 else f"the {count} proposals"
            return self._say(f"Rejected: {which} of run {run.id} {'is' if count == 1 else 'are'} marked rejected; nothing was written.")
        via = await self._write(await self._stage(run))  # staged again: a file may have changed while the client asked
        self._finish([*self.tool_calls, apply_id], "completed")
        return self._say(
            f"{run.outcome()} Wrote {', '.join(files)} {via}. `tether undo --run {run.id}` reverts the run's proposals on disk."
        )

    def _finish(self, tool_call_ids: list[str], status: Any) -> None:
        """Send ``status`` ("completed" or "failed") for each of the tool calls still open among ``tool_call_ids``."""
        for tool_call_id in tool_call_ids:
            if self._open_calls.pop(tool_call_id, 0) is None:
                self._send(update_tool_call(tool_call_id, status=status))

    async def _stage(self, run: RepoRun) -> Staged:
        """Every proposal of ``run`` planned in order on top of the ones before it (as ``ops.repo.apply_run``),
        against the texts the client shows (``fs/read_text_file``, when offered) or the disk.
        Raises StaleError (ConflictError) when a file changed where a proposal edits it; nothing is written."""
        proposals = [self.engine.store.get(pid) for pid in run.proposals]
        current = await self._read_all({p for proposal in proposals for c in proposal.files for p in (c.path, c.old_path) if p})
        staged = Staged(before=dict(current))
        overlay: dict[str, str | None] = dict(current)

        def read(rel: str) -> str:
            text = overlay.get(rel)
            if text is None:
                raise InputError(f"{rel} does not exist.")
            return text

        for proposal in proposals:
            plans = plan_accept(proposal, None, read)
            for plan in plans:
                if plan.from_path is not None:
                    overlay[plan.from_path] = None
                overlay[plan.to_path or plan.path] = None if plan.op == "delete" else plan.new_text
            staged.writes.append((proposal, plans))
        staged.after = {rel: text for rel, text in overlay.items() if text is not None or current.get(rel) is not None}
        return staged

    async def _read_all(self, paths: set[str]) -> dict[str, str | None]:
        texts: dict[str, str | None] = {}
        for rel in sorted(paths):
            texts[rel] = await self._read(rel)
        return texts

    async def _read(self, rel: str) -> str | None:
        """A file's text as the client has it (an unsaved buffer too), else the disk's; None when absent."""
        if self.fs.read_text_file and (self.root / rel).is_file():
            try:
                return (await self.client.read_text_file(session_id=self.session_id, path=self._abs(rel))).content
            except RequestError as exc:
                log.info("fs/read_text_file %s failed (%s); reading the disk", rel, exc)
        try:
            return self.engine.workspace.read_text(rel)
        except (InputError, OSError):
            return None

    async def _write(self, staged: Staged) -> str:
        """Write the staged plans; returns how ("through the editor" or "to disk")."""
        if not self.fs.write_text_file:
            for proposal, plans in staged.writes:
                write_plans(self.engine, proposal, plans)
            return "to disk"
        for proposal, plans in staged.writes:
            for plan in plans:
                if plan.op not in ("write", "create"):
                    raise InputError(f"{plan.path}: ACP clients write files but do not delete or rename them; nothing more was written.")
                await self.client.write_text_file(
                    session_id=self.session_id, path=self._abs(plan.to_path or plan.path), content=plan.new_text
                )
            mark(self.engine, proposal, None, HunkStatus.ACCEPTED)
        return "through the editor"


def task_text(blocks: list[Any], root: Path) -> str:
    """The repo agent's task from a prompt's content blocks: text blocks joined, resource links and
    embedded resources named by path (workspace-relative when inside ``root``). Raises InputError
    for images and audio (the agent advertises neither) and for a prompt with no text."""
    parts = []
    for block in blocks:
        kind = getattr(block, "type", None)
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource_link":
            parts.append(f"(about {_path_of(block.uri, root)})")
        elif kind == "resource":
            parts.append(f"(about {_path_of(block.resource.uri, root)})")
        else:
            article = "an" if str(kind)[:1] in ("a", "e", "i", "o", "u") else "a"
            raise InputError(f"tether takes text prompts; {article} {kind} block is not supported (initialize says so).")
    text = "\n".join(p for p in parts if p.strip()).strip()
    if not text:
        raise InputError("Say what to change: the prompt has no text.")
    return text


def _path_of(uri: str, root: Path) -> str:
    path = uri.removeprefix("file://")
    with contextlib.suppress(ValueError):
        return Path(path).relative_to(root).as_posix()
    return uri
