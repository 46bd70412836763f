"""Hunks that follow the typing, over real stdio with a SCRIPTED model (issue 17, item 1).

A two-hunk proposal on an open buffer; the person types elsewhere (whole lines above both hunks,
characters inside a line between them): the server re-locates the hunks on didChange and sends
``tether/proposalsChanged`` with the moved ranges; accepting one hunk sends an applyEdit at its
new place and keeps the typing. Then the person edits the other hunk's own line: it turns into a
``conflict``, accepting it is refused (nothing sent) until ``overwriteConflicts`` is given.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import TIMEOUT, command, config, initialize, poll, request
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

BASE = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(8))  # 32 lines
FIRST_OLD, FIRST_NEW = "    return x + 0\n", "    return x + 0  # zero\n"  # line 1
SECOND_OLD, SECOND_NEW = "    return x + 7\n", "    return x + 7  # seven\n"  # line 29
NEW = BASE.replace(FIRST_OLD, FIRST_NEW).replace(SECOND_OLD, SECOND_NEW)
TYPED = "# typed before the hunks\n# and one more line\n"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lsp-anchor")
    (root / "funcs.py").write_text(BASE)
    return root


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, workspace: Path, server: ScriptedOpenAIServer):
    slot = {"backend": "openai", "baseUrl": server.base_url, "model": "scripted-model", "maxRetries": 0}
    await initialize(lsp_client, workspace, {"models": {"adv": slot}, "roles": {"edit": ["adv"], "complete": ["adv"]}})
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


def ranges(proposal: dict) -> dict[str, tuple[str, int, int]]:
    """hunk id -> (status, first line, end line) of its current range."""
    out = {}
    for hunk in proposal["files"][0]["hunks"]:
        rng = hunk.get("range")
        out[hunk["id"]] = (hunk["status"], rng["start"]["line"], rng["end"]["line"]) if rng else (hunk["status"], -1, -1)
    return out


def relocated(editor, proposal_id: str) -> list[dict]:
    return [p for note in editor.changed for p in note.get("relocated", []) if p["id"] == proposal_id]


async def test_scripted_hunks_follow_typing_and_a_conflict_needs_the_choice(client: LanguageClient, workspace: Path, server):
    editor = client.editor  # type: ignore[attr-defined]
    doc = (workspace / "funcs.py").as_uri()
    editor.open(doc, BASE)
    server.script(Reply(text=f"```python\n{NEW}```"))
    proposal = await request(client, "tether/createProposal", {"uri": doc, "instruction": "Comment the returns of f0 and f7."})
    first, second = (h["id"] for h in proposal["files"][0]["hunks"])
    assert ranges(proposal) == {first: ("pending", 1, 2), second: ("pending", 29, 30)}

    # typing whole lines above both hunks moves them down by two, and the client is told
    editor.type(doc, 0, 0, TYPED)
    await poll(lambda: relocated(editor, proposal["id"]), what="tether/proposalsChanged with relocated hunks")
    assert ranges(relocated(editor, proposal["id"])[-1]) == {first: ("pending", 3, 4), second: ("pending", 31, 32)}
    # characters typed inside a line between the hunks move nothing: no notification needed, list agrees
    line_10 = editor.text(doc).index("def f3")
    editor.type(doc, line_10 + 4, line_10 + 4, "renamed_")
    listed = await request(client, "tether/listProposals", {})
    assert ranges(next(p for p in listed["proposals"] if p["id"] == proposal["id"])) == {
        first: ("pending", 3, 4),
        second: ("pending", 31, 32),
    }

    # accepting the first hunk edits its new place; everything typed stays
    typed_text = editor.text(doc)
    before = len(editor.applied)
    result = await command(client, "tether.accept", {"proposalId": proposal["id"], "hunkIds": [first]})
    assert result["applied"] is True and len(editor.applied) == before + 1
    edit = editor.applied[-1].edit.document_changes[0].edits[0]
    assert (edit.range.start.line, edit.range.end.line, edit.new_text) == (3, 4, FIRST_NEW)
    assert editor.text(doc) == typed_text.replace(FIRST_OLD, FIRST_NEW)
    assert "def renamed_f3(x):\n" in editor.text(doc) and editor.text(doc).startswith(TYPED)

    # typing inside the second hunk's own line makes it a conflict
    notes = len(editor.changed)
    at = editor.text(doc).index(SECOND_OLD) + len("    return x")
    editor.type(doc, at, at, " * 2")
    await poll(
        lambda: any(ranges(p)[second][0] == "conflict" for note in editor.changed[notes:] for p in note.get("relocated", [])),
        what="the second hunk turning into a conflict",
    )
    mine = editor.text(doc)

    # accepting it is refused without the explicit choice, and nothing is sent
    before = len(editor.applied)
    with pytest.raises(JsonRpcException) as caught:
        await request(client, "tether/acceptHunks", {"proposalId": proposal["id"], "hunkIds": [second]})
    assert caught.value.code == -32001 and caught.value.data["type"] == "ConflictError"
    assert "you edited their lines" in caught.value.message and "overwriteConflicts" in caught.value.message
    assert len(editor.applied) == before and editor.text(doc) == mine

    # with overwriteConflicts the person's version of that line gives way to the proposal's
    result = await request(client, "tether/acceptHunks", {"proposalId": proposal["id"], "hunkIds": [second], "overwriteConflicts": True})
    assert result["applied"] is True and result["proposal"]["status"] == "done"
    assert editor.text(doc) == mine.replace("    return x * 2 + 7\n", SECOND_NEW)
    assert editor.text(doc) == TYPED + NEW.replace("def f3(x)", "def renamed_f3(x)")
