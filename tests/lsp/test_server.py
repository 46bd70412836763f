"""The language server over real stdio (pytest-lsp) with the real bundled model.

One server for the whole module; model calls are few and short (max tokens set through
initializationOptions). The bundled model's replies are not predictable, so the tests that
run it assert what holds for any reply: a completion is text at the cursor or nothing, an edit
is a valid proposal or a clear error. The exact behaviour is tested against a scripted
endpoint in test_edit_lsp_scripted.py. The two-hunk proposals of the accept/stale tests are
scripted here too (built by the test from a hand-written new text and journaled before the
server starts); everything the server does with them is real.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import DEMO, TIMEOUT, command, config, initialize, poll, request
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from tether.proposals import Proposal, build_file_change
from tether.slider import Level
from tether.store import ProposalStore

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.model]

OPTIONS = {
    "complete": {"maxTokens": 8, "debounceMs": 300},
    "edit": {"maxTokens": 64, "speculative": False},
}
SQUARE = "def add(a, b):\n    return a + b\n\n\ndef square(x):\n    return \n"
SCRIPTED_BASE = "".join(f"line {i}\n" for i in range(1, 21))
SCRIPTED_NEW = SCRIPTED_BASE.replace("line 2\n", "line two\n").replace("line 18\n", "line eighteen\n")
TWO_HUNKS = "a1b2c3d4e5f6"
STALE = "0f1e2d3c4b5a"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lsp-ws")
    (root / "calc.py").write_text(DEMO.read_text())
    (root / "square.py").write_text(SQUARE)
    store = ProposalStore(root / ".tether" / "proposals")
    for proposal_id, name in ((TWO_HUNKS, "scripted.py"), (STALE, "stale.py")):
        (root / name).write_text(SCRIPTED_BASE)
        change = build_file_change(name, SCRIPTED_BASE, SCRIPTED_NEW)
        store.save(Proposal(id=proposal_id, level=Level.FILE, instruction="scripted two-hunk change", files=[change]))
    return root


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, workspace: Path):
    lsp_client.init_result = await initialize(lsp_client, workspace, OPTIONS)  # type: ignore[attr-defined]
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


def uri(workspace: Path, name: str) -> str:
    return (workspace / name).as_uri()


def selection(first: int, end: int) -> dict:
    return {"start": {"line": first, "character": 0}, "end": {"line": end, "character": 0}}


async def test_initialize_advertises_every_surface(client: LanguageClient):
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert caps.inline_completion_provider is not None
    assert caps.completion_provider is not None
    assert caps.code_action_provider
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Incremental
    assert set(caps.execute_command_provider.commands) >= {
        "tether.editSelection",
        "tether.editFile",
        "tether.accept",
        "tether.reject",
        "tether.acceptAll",
        "tether.rejectAll",
        "tether.setAutonomy",
        "tether.showContext",
        "tether.listProposals",
    }


async def test_status_reports_the_model_ready(client: LanguageClient):
    status: dict = {}

    async def ready() -> bool:
        status.update(await request(client, "tether/status", {}))
        return status["state"] != "loading"

    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not await ready():
        assert loop.time() < deadline, "the model never finished loading"
        await asyncio.sleep(0.1)
    assert status["state"] == "ready", status
    assert status["level"] == "file" and status["maxLevel"] == "repo"
    assert status["models"] == [{"name": "bundled", "kind": "llamacpp", "loaded": True}]


async def test_inline_completion_from_the_model(client: LanguageClient, workspace: Path):
    doc = uri(workspace, "square.py")
    client.editor.open(doc, SQUARE)  # type: ignore[attr-defined]
    cursor = types.Position(line=5, character=11)
    result = await asyncio.wait_for(
        client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
                text_document=types.TextDocumentIdentifier(uri=doc),
                position=cursor,
            )
        ),
        TIMEOUT,
    )
    assert len(result.items) <= 1  # the model may have nothing to say
    for item in result.items:
        assert item.insert_text.strip()
        assert item.range == types.Range(start=cursor, end=cursor)


async def test_newer_inline_request_cancels_the_older_one(client: LanguageClient, workspace: Path):
    doc = uri(workspace, "square.py")
    cursor = types.Position(line=5, character=11)

    def params(kind: types.InlineCompletionTriggerKind) -> types.InlineCompletionParams:
        return types.InlineCompletionParams(
            context=types.InlineCompletionContext(trigger_kind=kind),
            text_document=types.TextDocumentIdentifier(uri=doc),
            position=cursor,
        )

    # The automatic one waits out the 300 ms debounce; the invoked one arrives meanwhile.
    older = asyncio.ensure_future(client.text_document_inline_completion_async(params(types.InlineCompletionTriggerKind.Automatic)))
    newer = asyncio.ensure_future(client.text_document_inline_completion_async(params(types.InlineCompletionTriggerKind.Invoked)))
    first, second = await asyncio.wait_for(asyncio.gather(older, newer), TIMEOUT)
    assert len(first.items) == 0
    assert len(second.items) <= 1 and all(item.insert_text.strip() for item in second.items)


async def test_completion_fallback_inserts_at_the_cursor(client: LanguageClient, workspace: Path):
    cursor = types.Position(line=5, character=11)
    result = await asyncio.wait_for(
        client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri(workspace, "square.py")), position=cursor)
        ),
        TIMEOUT,
    )
    assert len(result.items) <= 1
    for item in result.items:
        assert item.text_edit.range == types.Range(start=cursor, end=cursor)
        assert item.text_edit.new_text == item.insert_text and item.insert_text.strip()
        assert item.label == item.insert_text.strip().splitlines()[0][:60]


async def test_code_actions_offer_edit_selection_and_file(client: LanguageClient, workspace: Path):
    doc = uri(workspace, "calc.py")
    actions = await asyncio.wait_for(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=doc),
                range=types.Range(start=types.Position(0, 0), end=types.Position(2, 0)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        ),
        TIMEOUT,
    )
    by_command = {a.command.command: a for a in actions}
    assert set(by_command) == {"tether.editSelection", "tether.editFile"}
    assert by_command["tether.editSelection"].title == "tether: Edit selection…"
    assert list(by_command["tether.editSelection"].command.arguments) == [{"uri": doc, "range": selection(0, 2)}]
    assert list(by_command["tether.editFile"].command.arguments) == [{"uri": doc}]
    quickfixes = await asyncio.wait_for(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=doc),
                range=types.Range(start=types.Position(0, 0), end=types.Position(2, 0)),
                context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix]),
            )
        ),
        TIMEOUT,
    )
    assert len(quickfixes) == 0


async def test_bundled_edit_selection_is_a_proposal_or_a_clear_error_and_a_hunk_accepts_as_a_versioned_edit(
    client: LanguageClient, workspace: Path
):
    editor = client.editor  # type: ignore[attr-defined]
    doc = uri(workspace, "calc.py")
    text = DEMO.read_text()
    editor.open(doc, text)
    editor.replace_all(doc, text)  # the buffer is at version 2 now
    shown = len(client.messages)
    try:
        proposal = await command(client, "tether.editSelection", {"uri": doc, "range": selection(0, 2), "instruction": "Add a docstring."})
    except JsonRpcException as exc:  # the reply stayed unusable, or went past the leash
        assert exc.data["type"] in ("GenerationError", "LeashError"), exc.data
        assert exc.data["exitCode"] in (5, 7) and len(exc.message) > 20 and "Traceback" not in exc.message
        message = exc.message  # bound here: the poll's lambda runs while the handler is still open, but ruff cannot tell
        await poll(lambda: any(message in m.message for m in client.messages[shown:]), what="the error shown to the user")
        assert (workspace / "calc.py").read_text() == text and editor.text(doc) == text
        return
    reports = [r for reports in client.progress_reports.values() for r in reports]
    assert any(isinstance(r, types.WorkDoneProgressBegin) for r in reports)
    assert any(isinstance(r, types.WorkDoneProgressEnd) for r in reports)
    assert proposal["level"] == "selection"
    assert any(s["kind"] == "selection" and s["path"] == "calc.py" for s in proposal["sources"])
    if not proposal["files"] or not proposal["files"][0]["hunks"]:
        return  # "no change" is a valid answer too
    assert proposal["status"] == "pending"
    change = proposal["files"][0]
    assert change["path"] == "calc.py" and change["uri"] == doc
    await poll(lambda: any(f"proposal {proposal['id']}" in m.message for m in client.messages), what="the Info message")

    hunk = change["hunks"][0]
    before, notes = len(editor.applied), len(editor.changed)
    result = await command(client, "tether.accept", {"proposalId": proposal["id"], "hunkIds": [hunk["id"]]})
    assert result["applied"] is True
    assert len(editor.applied) == before + 1
    sent = editor.applied[-1].edit.document_changes[0]
    assert sent.text_document.uri == doc and sent.text_document.version == 2
    accepted = {h["id"]: h["status"] for h in result["proposal"]["files"][0]["hunks"]}
    assert accepted[hunk["id"]] == "accepted"
    assert editor.text(doc) != text and all(line in editor.text(doc) for line in hunk["newLines"])
    assert (workspace / "calc.py").read_text() == text, "the server wrote the disk instead of the buffer"
    await poll(lambda: len(editor.changed) > notes, what="tether/proposalsChanged")
    still_pending = [p["id"] for p in editor.changed[-1]["proposals"]]
    assert (proposal["id"] in still_pending) == (result["proposal"]["status"] == "partial")


async def test_scripted_proposal_accepting_some_hunks_keeps_the_rest_valid(client: LanguageClient, workspace: Path):
    editor = client.editor  # type: ignore[attr-defined]
    doc = uri(workspace, "scripted.py")
    editor.open(doc, SCRIPTED_BASE)
    proposal = await request(client, "tether/getProposal", {"proposalId": TWO_HUNKS})
    first, second = (h["id"] for h in proposal["files"][0]["hunks"])

    changed = asyncio.ensure_future(client.wait_for_notification("tether/proposalsChanged"))
    result = await request(client, "tether/acceptHunks", {"proposalId": TWO_HUNKS, "hunkIds": [first]})
    note = await asyncio.wait_for(changed, TIMEOUT)
    assert result["applied"] is True and result["proposal"]["status"] == "partial"
    assert editor.text(doc) == SCRIPTED_BASE.replace("line 2\n", "line two\n")
    assert {
        "id": TWO_HUNKS,
        "level": "file",
        "instruction": "scripted two-hunk change",
        "status": "partial",
        "files": ["scripted.py"],
        "hunks": 2,
    } in note["proposals"]

    result = await request(client, "tether/acceptHunks", {"proposalId": TWO_HUNKS, "hunkIds": [second]})
    assert result["applied"] is True and result["proposal"]["status"] == "done"
    assert editor.applied[-1].edit.document_changes[0].text_document.version == 2
    assert editor.text(doc) == SCRIPTED_NEW


async def test_scripted_proposal_whose_hunk_lines_were_edited_is_a_conflict_refused(client: LanguageClient, workspace: Path):
    editor = client.editor  # type: ignore[attr-defined]
    doc = uri(workspace, "stale.py")
    editor.open(doc, SCRIPTED_BASE)
    editor.replace_all(doc, SCRIPTED_BASE.replace("line 2\n", "line 2, typed by the user\n"))
    before = len(editor.applied)
    with pytest.raises(JsonRpcException) as caught:
        await request(client, "tether/acceptHunks", {"proposalId": STALE})
    assert caught.value.code == -32001
    assert "changed since this proposal was made (you edited their lines)" in caught.value.message
    assert caught.value.data == {"type": "ConflictError", "exitCode": 6}
    assert len(editor.applied) == before, "a refused accept must send no edit"
    proposal = await request(client, "tether/getProposal", {"proposalId": STALE})
    assert [h["status"] for h in proposal["files"][0]["hunks"]] == ["conflict", "pending"]
    assert proposal["files"][0]["newText"] == SCRIPTED_NEW


async def test_reject_marks_hunks_and_they_cannot_be_accepted(client: LanguageClient):
    proposal = await request(client, "tether/getProposal", {"proposalId": STALE})
    first = proposal["files"][0]["hunks"][0]["id"]
    result = await command(client, "tether.reject", {"proposalId": STALE, "hunkIds": [first]})
    assert [h["status"] for h in result["proposal"]["files"][0]["hunks"]] == ["rejected", "pending"]
    result = await command(client, "tether.rejectAll", {"proposalId": STALE})
    assert result["proposal"]["status"] == "rejected"
    with pytest.raises(JsonRpcException) as caught:
        await command(client, "tether.accept", {"proposalId": STALE, "hunkIds": [first]})
    assert caught.value.data["type"] == "ProposalError"
    await poll(lambda: any("no pending hunk" in m.message for m in client.messages), what="window/showMessage")


async def test_cancel_request_stops_an_edit(client: LanguageClient, workspace: Path):
    before = await request(client, "tether/listProposals", {"all": True})
    progress = asyncio.ensure_future(client.wait_for_notification("$/progress"))
    params = types.ExecuteCommandParams(
        command="tether.editFile", arguments=[{"uri": uri(workspace, "calc.py"), "instruction": "Add type hints."}]
    )
    pending = asyncio.wrap_future(client.protocol.send_request(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="cancel-me"))
    await asyncio.wait_for(progress, TIMEOUT)  # the edit has started
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="cancel-me"))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(pending, 10)

    def ends() -> list[types.WorkDoneProgressEnd]:
        return [r for rs in client.progress_reports.values() for r in rs if isinstance(r, types.WorkDoneProgressEnd)]

    await poll(lambda: any(r.message == "cancelled" for r in ends()), what="the progress to end as cancelled")
    after = await request(client, "tether/listProposals", {"all": True})
    assert len(after["proposals"]) == len(before["proposals"])


async def test_autonomy_slider_gates_operations(client: LanguageClient, workspace: Path):
    doc = uri(workspace, "calc.py")
    assert await command(client, "tether.setAutonomy", {"level": "complete"}) == {"level": "complete", "maxLevel": "repo"}
    actions = await asyncio.wait_for(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=doc),
                range=types.Range(start=types.Position(0, 0), end=types.Position(1, 0)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        ),
        TIMEOUT,
    )
    assert len(actions) == 0
    with pytest.raises(JsonRpcException) as caught:
        await command(client, "tether.editSelection", {"uri": doc, "range": selection(0, 1), "instruction": "x"})
    assert caught.value.data["type"] == "LeashError" and "tether.setAutonomy" in caught.value.message

    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"tether": {**OPTIONS, "maxLevel": "selection"}}))
    with pytest.raises(JsonRpcException) as caught:
        await request(client, "tether/setLevel", {"level": "file"})
    assert caught.value.data["type"] == "LeashError"
    assert await request(client, "tether/setLevel", {"level": "selection"}) == {"level": "selection", "maxLevel": "selection"}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"tether": OPTIONS}))
    assert (await request(client, "tether/status", {}))["level"] == "file"


async def test_show_context_and_list_proposals(client: LanguageClient):
    listed = await request(client, "tether/listProposals", {})
    assert all(p["status"] in ("pending", "partial") for p in listed["proposals"])
    everything = await command(client, "tether.listProposals", {"all": True})
    newest = everything["proposals"][-1]
    context = await command(client, "tether.showContext", {})
    assert context["proposalId"] == newest["id"]
    assert context["sources"] == newest["sources"]
    assert "What the model saw:" in context["text"]
    assert all(s["path"] in context["text"] for s in newest["sources"] if s.get("path"))
