"""The MCP tools: thin adapters over the ops, one function each (docs/mcp.md, "Tools").

Each tool converts its arguments (1-based lines, as an agent reading numbered lines sees them),
calls one op, and returns a pydantic model from ``models`` (its output schema). A TetherError
from an op becomes a tool error (``isError``, the error's own sentence); nothing is written to
the workspace except by ``accept_hunks``, which is only registered when ``mcp.allow_accept``.
Which tools exist at all is decided once, at start, by ``tools_for``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from ..config import COMPLETE_MAX_TOKENS
from ..context.files import is_excluded
from ..engine import Engine
from ..errors import InputError, LeashError, ProposalError, TetherError
from ..ops.complete import Completion
from ..proposals import Proposal
from ..slider import Level, check_slider
from .models import (
    ContextItemOut,
    ContextOut,
    DigestOut,
    DocsHitOut,
    DocsSearchOut,
    ProposalList,
    ProposalOut,
    RepoChangeOut,
    RepoStepOut,
    ReviewOut,
    proposal_out,
    proposal_summary,
)

Line = Annotated[int, Field(ge=1, description="1-based line number.")]
ProposalId = Annotated[str, Field(min_length=1, description="A proposal id (or a unique prefix), as list_proposals shows it.")]
HunkIds = Annotated[list[str] | None, Field(description="Hunk ids of that proposal; omit for every pending hunk.")]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
PROPOSES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False)

# The slider level a tool needs to be listed (None: read-only, always listed). propose_edit needs
# ``selection`` (a line range); an edit of the whole file is refused at call time below ``file``.
TOOL_LEVELS: dict[str, Level | None] = {
    "complete": Level.COMPLETE,
    "propose_edit": Level.SELECTION,
    "propose_repo_change": Level.REPO,
    "docs_search": None,
    "context": None,
    "digest": None,
    "list_proposals": None,
    "show_proposal": None,
}
REVIEW_TOOLS = ("accept_hunks", "reject_hunks")


def tools_for(ceiling: Level, allow_accept: bool) -> list[str]:
    """Names of the tools an MCP client may see: those whose level is at most ``ceiling``
    (``min(max_level, mcp.max_level)``), the read-only ones, and with ``allow_accept`` the review tools."""
    names = [name for name, level in TOOL_LEVELS.items() if level is None or level <= ceiling]
    return names + (list(REVIEW_TOOLS) if allow_accept else [])


@contextmanager
def tool_errors() -> Iterator[None]:
    """A TetherError (its message is a full sentence for the user) becomes a ToolError: the client
    gets ``isError`` with that sentence, and the server goes on serving. An OSError (a file that
    could not be read or written) is told the way the CLI tells it."""
    try:
        yield
    except TetherError as exc:
        raise ToolError(str(exc)) from exc
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        raise ToolError(f"{exc.strerror or exc}{where}. Check the path and its permissions.") from exc


def check_mcp_level(engine: Engine, requested: Level) -> None:
    """Raise LeashError when ``requested`` is above the MCP ceiling (the engine's ``max_level``,
    set to ``min(max_level, mcp.max_level)`` by ``server.mcp_settings``), naming the setting
    that refused: ``mcp.max_level`` when it is the lower bound (or equal to ``max_level``), else
    ``max_level``. The ops' own ``slider.check_slider`` would name only ``max_level``."""
    ceiling = engine.settings.max_level
    if requested <= ceiling:
        return
    if engine.settings.mcp.max_level <= ceiling:
        raise LeashError(
            f"The '{requested.value}' operation is above what tether mcp allows (mcp.max_level = '{ceiling.value}'). "
            f"Raise max_level under [mcp] in tether.toml or [tool.tether.mcp] (or TETHER_MCP__MAX_LEVEL={requested.value}) "
            "and restart tether mcp; the top-level max_level caps it too."
        )
    check_slider(requested, ceiling, ceiling)


def guard_path(engine: Engine, path: str) -> str:
    """The workspace-relative path of ``path``; InputError when it is outside the workspace, or
    kept out of context (git-ignored, ``.tetherignore``d, secret-looking: docs/context.md)."""
    rel = engine.workspace.rel(path)
    if is_excluded(engine.workspace.root, rel):
        raise InputError(
            f"{rel} is ignored (.gitignore, .tetherignore) or looks like a secret; tether mcp neither shows nor edits such files."
        )
    return rel


def located(engine: Engine, proposal: Proposal) -> ProposalOut:
    from ..ops.review import locate_proposal

    return proposal_out(proposal, locate_proposal(proposal, engine.workspace.read_text))


def register_tools(app: MCPServer[Any], engine: Engine, names: list[str]) -> None:
    """Register the tools named in ``names`` (``tools_for``) on ``app``, bound to ``engine``."""
    tools: dict[str, tuple[Callable[..., Any], ToolAnnotations]] = {
        "propose_edit": (_propose_edit(engine), PROPOSES),
        "propose_repo_change": (_propose_repo_change(engine), PROPOSES),
        "complete": (_complete(engine), READ_ONLY),
        "docs_search": (_docs_search(engine), READ_ONLY),
        "context": (_context(engine), READ_ONLY),
        "digest": (_digest(engine), READ_ONLY),
        "list_proposals": (_list_proposals(engine), READ_ONLY),
        "show_proposal": (_show_proposal(engine), READ_ONLY),
        "accept_hunks": (_accept_hunks(engine), WRITES),
        "reject_hunks": (_reject_hunks(engine), PROPOSES),
    }
    for name in names:
        fn, annotations = tools[name]
        app.add_tool(fn, name=name, annotations=annotations, structured_output=True)


def _propose_edit(engine: Engine) -> Callable[..., Any]:
    async def propose_edit(
        path: Annotated[str, Field(description="The file to edit, relative to the workspace.")],
        instruction: Annotated[str, Field(min_length=1, description="What to change, in words.")],
        start_line: Annotated[
            int | None, Field(ge=1, description="1-based first line of the range to edit; omit to edit the whole file.")
        ] = None,
        end_line: Annotated[int | None, Field(ge=1, description="1-based last line of the range, inclusive (default: start_line).")] = None,
    ) -> ProposalOut:
        """Propose an edit of a file, or of a line range of it (selection level; a whole file needs
        the file level). Returns the proposal: its id, unified diff and hunks. Nothing is written to
        the file: a person accepts or rejects the hunks (or accept_hunks, where allowed)."""
        from ..ops.edit import edit_file, edit_selection

        with tool_errors():
            rel = guard_path(engine, path)
            if start_line is None and end_line is not None:
                raise InputError("end_line needs a start_line.")
            if start_line is not None:
                last = end_line if end_line is not None else start_line
                if last < start_line:
                    raise InputError(f"Lines {start_line}-{last}: a range must not run backwards.")
                proposal = await edit_selection(engine, rel, instruction, start_line - 1, last)
            else:
                check_mcp_level(engine, Level.FILE)
                proposal = await edit_file(engine, rel, instruction)
            return located(engine, proposal)

    return propose_edit


def _propose_repo_change(engine: Engine) -> Callable[..., Any]:
    async def propose_repo_change(
        task: Annotated[str, Field(min_length=1, description="What to change across the repository, in words.")],
        plan_only: Annotated[bool, Field(description="Only plan: the run waits with status 'planned'.")] = False,
    ) -> RepoChangeOut:
        """Plan a change across the repository and propose it step by step (repo level): a plan,
        then one small proposal per file changed, within the leash (limits.repo). Writes nothing;
        no check command runs from here."""
        from ..ops.repo import run_repo
        from ..ops.repo_models import RepoOptions

        with tool_errors():
            run = await run_repo(engine, RepoOptions(task=task, plan_only=plan_only))
            plan = engine.store.get(run.id).rationale if run.plan is not None else ""
            if run.status == "planned" and plan.startswith(PLAN_HEADER):  # the CLI's header speaks of a file to edit
                plan = f"# tether plan (run {run.id}): {plan_next_steps(run.id)}\n" + plan.partition("\n")[2]
            return RepoChangeOut(
                run_id=run.id,
                status=run.status,
                plan=plan,
                steps=[RepoStepOut(number=s.number, intent=s.intent, files=s.files, proposals=s.proposals) for s in run.steps],
                proposals=[located(engine, engine.store.get(pid)) for pid in run.proposals],
                error=run.error.message if run.error else None,
                warnings=run.warnings,
            )

    return propose_repo_change


PLAN_HEADER = "# tether plan:"


def plan_next_steps(run_id: str) -> str:
    """What an MCP client can do with a planned run ``run_id``."""
    return (
        "to carry it out, call propose_repo_change again without plan_only (it plans anew), "
        f"or a person runs `tether repo --continue {run_id}` in the workspace."
    )


def _complete(engine: Engine) -> Callable[..., Any]:
    async def complete(
        path: Annotated[str, Field(description="The file, relative to the workspace (its text on disk is used).")],
        line: Line,
        column: Annotated[int, Field(ge=1, description="1-based column, in code points.")],
        max_tokens: Annotated[
            int | None, Field(ge=1, le=COMPLETE_MAX_TOKENS, description="Most tokens to insert (default: complete.max_tokens).")
        ] = None,
    ) -> Completion:
        """Complete the code at a position (complete level): the text to insert there; nothing is written."""
        from ..ops.complete import complete as complete_op

        with tool_errors():
            rel = guard_path(engine, path)
            text = engine.workspace.read_text(rel)
            return await complete_op(engine, rel, text, line - 1, column - 1, max_tokens=max_tokens)

    return complete


def _docs_search(engine: Engine) -> Callable[..., Any]:
    async def docs_search(
        query: Annotated[str, Field(min_length=1, description="Words to look for (full-text search).")],
        k: Annotated[int, Field(ge=1, le=50, description="How many chunks.")] = 5,
    ) -> DocsSearchOut:
        """Search the indexed documentation (the workspace's index, then the user's global one;
        `tether docs add` fills them): chunks with their sources, best first."""
        from ..docs.search import search_docs

        with tool_errors():
            hits = await search_docs(engine, query, k)
        return DocsSearchOut(
            hits=[
                DocsHitOut(
                    citation=h.citation(),
                    source=h.source,
                    title=h.title,
                    url=h.url,
                    path=h.path,
                    heading=h.heading,
                    start_line=h.start_line,
                    end_line=h.end_line,
                    score=h.score,
                    text=h.text,
                )
                for h in hits
            ]
        )

    return docs_search


def _context(engine: Engine) -> Callable[..., Any]:
    async def context(
        path: Annotated[str, Field(description="The file, relative to the workspace.")],
        start_line: Line,
        end_line: Annotated[int | None, Field(ge=1, description="1-based last line, inclusive (default: start_line).")] = None,
        instruction: Annotated[str, Field(description="The instruction an edit there would carry (it ranks the repo map).")] = "",
        with_text: Annotated[bool, Field(description="Include each item's text.")] = False,
        fresh: Annotated[bool, Field(description="Ignore a pending proposal there: what a new edit would get.")] = False,
    ) -> ContextOut:
        """What the model would see for an edit of these lines (or saw, for the pending proposal
        there): files, line ranges, docs, with token counts. Asks the model nothing."""
        from ..ops.show import context_for, proposal_at

        with tool_errors():
            rel = guard_path(engine, path)
            last = end_line if end_line is not None else start_line
            if last < start_line:
                raise InputError(f"Lines {start_line}-{last}: a range must not run backwards.")
            proposal = None if fresh else proposal_at(engine, rel, start_line - 1)
            if proposal is not None:
                items = [ContextItemOut(label=s.label(), source=s) for s in proposal.sources]
                return ContextOut(proposal=proposal.id, items=items, total_tokens=sum(s.tokens or 0 for s in proposal.sources))
            pack = await context_for(engine, rel, start_line - 1, last, instruction)
        items = [ContextItemOut(label=i.source.label(), source=i.source, text=i.text if with_text else None) for i in pack.items]
        return ContextOut(items=items, total_tokens=sum(i.source.tokens or 0 for i in pack.items))

    return context


def _digest(engine: Engine) -> Callable[..., Any]:
    async def digest(
        path: Annotated[str, Field(description="A folder or file inside the workspace; empty: all of it.")] = "",
        max_tokens: Annotated[int | None, Field(ge=1, description="Leave files out to stay within this many tokens.")] = None,
    ) -> DigestOut:
        """The workspace (or a part) as one LLM-friendly text: the tree, then the files, most
        referenced first; ignored and secret-looking files left out."""
        from ..context.budget import counter_for
        from ..context.digest import build_digest, repo_ranks

        with tool_errors():
            sub = engine.workspace.rel(path) if path else ""
            sub = "" if sub == "." else sub
            try:
                backend = engine.backend("edit")
            except TetherError:
                backend = None
            counter = counter_for(backend)
            ranks = await asyncio.to_thread(repo_ranks, engine.workspace.root, Path(engine.data_dir) / "repomap.sqlite")
            result = await build_digest(engine.workspace.root, counter.count, sub, max_tokens, ranks)
        return DigestOut(
            tokens=result.tokens,
            tokenizer="model" if counter.exact else "estimate",
            included=result.included,
            omitted=result.omitted,
            skipped=result.skipped,
            text=result.text,
        )

    return digest


def _list_proposals(engine: Engine) -> Callable[..., Any]:
    async def list_proposals(
        include_decided: Annotated[bool, Field(description="Also accepted, rejected and empty ones.")] = False,
    ) -> ProposalList:
        """The proposals waiting for review (pending or partly decided), newest first."""
        with tool_errors():
            items = engine.store.all() if include_decided else engine.store.pending()
        items = sorted(items, key=lambda p: p.created_at, reverse=True)
        return ProposalList(proposals=[proposal_summary(p) for p in items])

    return list_proposals


def _show_proposal(engine: Engine) -> Callable[..., Any]:
    async def show_proposal(proposal_id: ProposalId) -> ProposalOut:
        """One proposal: its diff, its hunks (ids, place in the file now, state) and what the model saw."""
        with tool_errors():
            return located(engine, engine.store.get(proposal_id))

    return show_proposal


def _accept_hunks(engine: Engine) -> Callable[..., Any]:
    async def accept_hunks(proposal_id: ProposalId, hunk_ids: HunkIds = None) -> ReviewOut:
        """Write hunks of a proposal to the files (each where its lines are now). A hunk whose own
        lines were edited since is a conflict and is refused: a person resolves it. Only listed
        when mcp.allow_accept is set."""
        from ..ops.review import accept_on_disk

        with tool_errors():
            proposal, plans = accept_on_disk(engine, proposal_id, hunk_ids)
            return ReviewOut(proposal=located(engine, proposal), written=[p.path for p in plans])

    return accept_hunks


def _reject_hunks(engine: Engine) -> Callable[..., Any]:
    async def reject_hunks(proposal_id: ProposalId, hunk_ids: HunkIds = None) -> ReviewOut:
        """Mark hunks of a proposal rejected (no file is written). Only listed when mcp.allow_accept is set.
        A proposal with no pending hunk among those named is an error, as for accept_hunks."""
        from ..ops.review import chosen_ids, reject

        with tool_errors():
            proposal = engine.store.get(proposal_id)
            if not any(chosen_ids(change, hunk_ids) for change in proposal.files):
                raise ProposalError(f"Proposal {proposal.id} has no pending hunk to reject among those named.")
            return ReviewOut(proposal=located(engine, reject(engine, proposal.id, hunk_ids)), written=[])

    return reject_hunks
