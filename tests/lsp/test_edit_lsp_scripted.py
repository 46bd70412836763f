"""Edits and completions over real stdio, the model being the SCRIPTED OpenAI-compatible server.

The exact behaviour the bundled-model tests in test_server.py cannot hold a small model to:
the proposal an edit reply makes, the versioned edit an accepted hunk sends and the text it
leaves, what the model saw, the error a reply that stays unusable gives, and the completion
text. The real server process and a pytest-lsp client acting as an editor; only the replies
are scripted (tests/fixtures/openai_server.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import DEMO, TIMEOUT, command, config, initialize, poll, request
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

DOCSTRING = '    """Return the sum of a and b."""\n'
EDIT = Reply(text=f"```python\ndef add(a, b):\n{DOCSTRING}    return a + b\n```")
UNUSABLE = Reply(text="```python\ndef add(a, b:\n    return a +\n```")
SQUARE = "def square(x):\n    return \n"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lsp-edit-scripted")
    (root / "calc.py").write_text(DEMO.read_text())
    (root / "square.py").write_text(SQUARE)
    return root


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, workspace: Path, server: ScriptedOpenAIServer):
    slot = {"backend": "openai", "baseUrl": server.base_url, "model": "scripted-model", "maxRetries": 0}
    options = {
        "models": {"adv": slot},
        "roles": {"edit": ["adv"], "complete": ["adv"]},
        "complete": {"debounceMs": 300},
    }
    await initialize(lsp_client, workspace, options)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


def uri(workspace: Path, name: str) -> str:
    return (workspace / name).as_uri()


async def test_scripted_edit_selection_then_accept_sends_exactly_the_hunk(client: LanguageClient, workspace: Path, server):
    editor = client.editor  # type: ignore[attr-defined]
    doc = uri(workspace, "calc.py")
    text = DEMO.read_text()
    editor.open(doc, text)
    editor.replace_all(doc, text)  # the buffer is at version 2 now
    server.script(EDIT)
    selection = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}
    proposal = await command(client, "tether.editSelection", {"uri": doc, "range": selection, "instruction": "Add a docstring."})
    assert proposal["level"] == "selection" and proposal["status"] == "pending"
    change = proposal["files"][0]
    assert change["path"] == "calc.py" and change["uri"] == doc and len(change["hunks"]) == 1
    hunk = change["hunks"][0]
    assert hunk["newLines"] == ["def add(a, b):\n", DOCSTRING, "    return a + b\n", "\n", "\n"]
    assert any(s["kind"] == "selection" and s["path"] == "calc.py" for s in proposal["sources"])
    assert "Add a docstring." in server.posts("/chat/completions")[-1].body["messages"][-1]["content"]
    await poll(lambda: any(f"proposal {proposal['id']}" in m.message for m in client.messages), what="the Info message")
    reports = [r for reports in client.progress_reports.values() for r in reports]
    assert any(isinstance(r, types.WorkDoneProgressBegin) for r in reports)
    assert any(isinstance(r, types.WorkDoneProgressEnd) for r in reports)

    before, notes = len(editor.applied), len(editor.changed)
    result = await command(client, "tether.accept", {"proposalId": proposal["id"], "hunkIds": [hunk["id"]]})
    assert result["applied"] is True and result["proposal"]["status"] == "done"
    assert len(editor.applied) == before + 1
    sent = editor.applied[-1].edit.document_changes[0]
    assert sent.text_document.uri == doc and sent.text_document.version == 2
    assert editor.text(doc) == text.replace("def add(a, b):\n", "def add(a, b):\n" + DOCSTRING, 1)
    assert (workspace / "calc.py").read_text() == text, "the server wrote the disk instead of the buffer"
    await poll(lambda: len(editor.changed) > notes, what="tether/proposalsChanged")
    assert proposal["id"] not in [p["id"] for p in editor.changed[-1]["proposals"]]

    context = await command(client, "tether.showContext", {})
    assert context["proposalId"] == proposal["id"] and context["sources"] == proposal["sources"]
    assert "What the model saw:" in context["text"] and "calc.py" in context["text"]


async def test_scripted_unusable_replies_are_a_clear_error_and_no_proposal(client: LanguageClient, workspace: Path, server):
    doc = uri(workspace, "calc.py")
    listed = await request(client, "tether/listProposals", {"all": True})
    shown, asked = len(client.messages), len(server.posts("/chat/completions"))
    server.default = UNUSABLE
    try:
        with pytest.raises(JsonRpcException) as caught:
            selection = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}
            await command(client, "tether.editSelection", {"uri": doc, "range": selection, "instruction": "Add a docstring."})
    finally:
        server.default = Reply()
    assert caught.value.data == {"type": "GenerationError", "exitCode": 5}
    assert "nothing was changed" in caught.value.message
    assert len(server.posts("/chat/completions")) - asked >= 2  # re-asked before giving up
    await poll(lambda: any("nothing was changed" in m.message for m in client.messages[shown:]), what="the error message")
    assert (await request(client, "tether/listProposals", {"all": True}))["proposals"] == listed["proposals"]


async def test_scripted_inline_completion_is_the_models_text_and_a_newer_request_wins(client: LanguageClient, workspace: Path, server):
    doc = uri(workspace, "square.py")
    client.editor.open(doc, SQUARE)  # type: ignore[attr-defined]
    cursor = types.Position(line=1, character=11)

    def params(kind: types.InlineCompletionTriggerKind) -> types.InlineCompletionParams:
        return types.InlineCompletionParams(
            context=types.InlineCompletionContext(trigger_kind=kind),
            text_document=types.TextDocumentIdentifier(uri=doc),
            position=cursor,
        )

    server.default = Reply(text="x * x\n")
    try:
        # The automatic one waits out the 300 ms debounce; the invoked one arrives meanwhile.
        older = asyncio.ensure_future(client.text_document_inline_completion_async(params(types.InlineCompletionTriggerKind.Automatic)))
        newer = asyncio.ensure_future(client.text_document_inline_completion_async(params(types.InlineCompletionTriggerKind.Invoked)))
        first, second = await asyncio.wait_for(asyncio.gather(older, newer), TIMEOUT)
    finally:
        server.default = Reply()
    assert len(first.items) == 0
    assert [(item.insert_text, item.range) for item in second.items] == [("x * x", types.Range(start=cursor, end=cursor))]
    prompt = server.posts("/completions")[-1].body["prompt"]
    assert prompt.endswith("def square(x):\n    return ")


async def test_scripted_inline_completion_is_fitted_to_the_cursor_or_refused(client: LanguageClient, workspace: Path, server):
    """Completion hygiene (docs/lsp.md) on the LSP path: the same rules as `tether complete`."""
    (workspace / "mean.py").write_text("def mean(xs):\n    \n\n\nprint(mean([1, 2]))\n")
    doc = uri(workspace, "mean.py")
    client.editor.open(doc, (workspace / "mean.py").read_text())  # type: ignore[attr-defined]

    async def inline(line: int, character: int):
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
            text_document=types.TextDocumentIdentifier(uri=doc),
            position=types.Position(line=line, character=character),
        )
        return await asyncio.wait_for(client.text_document_inline_completion_async(params), TIMEOUT)

    try:
        # A doubled indent, a half-written line, then an end token.
        server.default = Reply(text="    total = sum(xs)\n        return total / len(xs)\n        print(total,<|endoftext|>")
        fitted = await inline(1, 4)
        assert [item.insert_text for item in fitted.items] == ["total = sum(xs)\n    return total / len(xs)"]
        # The file parses; this completion would break it: no item.
        server.default = Reply(text="sum(xs) / ) len(xs)")
        assert len((await inline(1, 4)).items) == 0
    finally:
        server.default = Reply()
