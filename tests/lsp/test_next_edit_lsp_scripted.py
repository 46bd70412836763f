"""Next-edit suggestions over real stdio, the model being the SCRIPTED OpenAI-compatible server.

The person renames a parameter on one line (an incremental didChange); the server's edit history
turns that into a line diff in the prompt, and the suggestion that comes back is the minimal
range + text that renames the old name's other use: through ``textDocument/copilotInlineEdit``
when it is elsewhere, through ``textDocument/inlineCompletion`` (``nextEdit.enabled``) when it is
on the cursor's line. A secret file gets no request to the model at all.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import TIMEOUT, config, initialize, poll, request
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

SOURCE = 'def scale(value, factor):\n    """Scale it."""\n    return value * factor\n'
LONG = "def scale(value, factor):\n" + "".join(f"    step_{i} = {i}\n" for i in range(30)) + "    return value * factor\n"
FIVE = 'def scale(value, factor):\n    """Scale it."""\n    token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\n    total = value * factor\n    return total\n'


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {
        "scale.py": SOURCE,
        "other.py": SOURCE,
        "both.py": SOURCE,
        "twice.py": SOURCE,
        "long.py": LONG,
        "five.py": FIVE,
        "stale.py": SOURCE,
        ".env": "API_KEY=abc123\n",
    }
    return make_git_repo(tmp_path_factory.mktemp("lsp-next-edit") / "ws", files)


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, workspace: Path, server: ScriptedOpenAIServer):
    slot = {"backend": "openai", "baseUrl": server.base_url, "model": "scripted-model", "maxRetries": 0}
    options = {
        "models": {"scripted": slot},
        "roles": {"complete": ["scripted"], "next_edit": ["scripted"]},
        "level": "complete",
        "nextEdit": {"enabled": True, "debounceMs": 0},
    }
    await initialize(lsp_client, workspace, options)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


def rename(client: LanguageClient, uri: str) -> str:
    """Open the file and rename ``value`` to ``amount`` in the signature only, as the person types it."""
    editor = client.editor  # type: ignore[attr-defined]
    editor.open(uri, SOURCE)
    at = SOURCE.index("value")
    editor.type(uri, at, at + len("value"), "amount")
    return editor.text(uri)


async def test_scripted_rename_on_one_line_suggests_the_matching_rename_on_another(client, workspace, server):
    uri = (workspace / "scale.py").as_uri()
    text = rename(client, uri)
    server.script(Reply(text="```python\n" + text.replace("value *", "amount *") + "```"))
    before = len(server.posts("/chat/completions"))
    result = await request(
        client, "textDocument/copilotInlineEdit", {"textDocument": {"uri": uri, "version": 2}, "position": {"line": 0, "character": 16}}
    )
    (edit,) = result["edits"]
    col = len("    return ")
    assert edit["range"] == {"start": {"line": 2, "character": col}, "end": {"line": 2, "character": col + len("value")}}
    assert edit["text"] == "amount"
    assert edit["textDocument"] == {"uri": uri, "version": 2}
    (post,) = server.posts("/chat/completions")[before:]
    prompt = post.body["messages"][-1]["content"]
    # The rename reached the model as the edit history: one coalesced line diff.
    assert "-def scale(value, factor):\n+def scale(amount, factor):\n" in prompt
    assert "def scale(amount<|user_cursor_is_here|>, factor):" in prompt


async def test_scripted_next_edit_on_the_cursor_line_is_an_inline_completion_with_a_range(client, workspace, server):
    uri = (workspace / "other.py").as_uri()
    text = rename(client, uri)
    server.script(Reply(text="```python\n" + text.replace("value *", "amount *") + "```"))
    cursor = types.Position(line=2, character=len("    return "))
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=cursor,
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
    )
    result = await asyncio.wait_for(client.text_document_inline_completion_async(params), TIMEOUT)
    (item,) = result.items if isinstance(result, types.InlineCompletionList) else result
    assert item.range == types.Range(start=cursor, end=types.Position(line=2, character=cursor.character + len("value")))
    assert item.insert_text == "amount"


async def test_scripted_secret_file_gets_no_request_to_the_model(client, workspace, server):
    uri = (workspace / ".env").as_uri()
    editor = client.editor  # type: ignore[attr-defined]
    editor.open(uri, "API_KEY=abc123\n")
    editor.type(uri, len("API_KEY="), len("API_KEY=abc123"), "zzz999")
    before = len(server.posts())
    result = await request(
        client, "textDocument/copilotInlineEdit", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 3}}
    )
    assert result == {"edits": []}
    assert server.posts()[before:] == []
    # Nor does the secret file's edit reach a prompt for another file.
    other = (workspace / "scale.py").as_uri()
    server.script(Reply(text="```python\n" + editor.text(other) + "```"))
    await request(client, "textDocument/copilotInlineEdit", {"textDocument": {"uri": other}, "position": {"line": 0, "character": 0}})
    prompt = server.posts("/chat/completions")[-1].body["messages"][-1]["content"]
    assert "API_KEY" not in prompt and ".env" not in prompt


async def test_scripted_a_newer_next_edit_request_supersedes_the_older_one(client, workspace, server):
    uri = (workspace / "scale.py").as_uri()
    text = client.editor.text(uri)  # type: ignore[attr-defined]
    rewritten = text.replace("value *", "amount *")
    server.script(Reply(text="```python\n" + rewritten + "```", chunk_delay_s=0.2), Reply(text="```python\n" + rewritten + "```"))
    params = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}
    older = asyncio.ensure_future(request(client, "textDocument/copilotInlineEdit", params))
    before = len(server.posts("/chat/completions"))
    await poll(lambda: len(server.posts("/chat/completions")) > before, what="the older request reaching the model")
    newer = await request(client, "textDocument/copilotInlineEdit", params)
    assert (await asyncio.wait_for(older, TIMEOUT)) == {"edits": []}  # cancelled mid-generation
    assert [e["text"] for e in newer["edits"]] == ["amount"]


def inline_params(uri: str, position: types.Position) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=position,
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
    )


async def test_scripted_inline_edit_and_inline_completion_do_not_cancel_each_other(client, workspace, server):
    uri = (workspace / "both.py").as_uri()
    text = rename(client, uri)
    rewritten = "```python\n" + text.replace("value *", "amount *") + "```"
    server.script(Reply(text=rewritten, chunk_delay_s=0.1, chunk_chars=16), Reply(text=rewritten))
    cursor = types.Position(line=2, character=len("    return "))
    before = len(server.posts("/chat/completions"))
    edit = asyncio.ensure_future(
        request(
            client, "textDocument/copilotInlineEdit", {"textDocument": {"uri": uri}, "position": {"line": 2, "character": cursor.character}}
        )
    )
    await poll(lambda: len(server.posts("/chat/completions")) > before, what="the inline edit request reaching the model")
    inline = await asyncio.wait_for(client.text_document_inline_completion_async(inline_params(uri, cursor)), TIMEOUT)
    assert not edit.done()  # the slow inline edit was still generating while the inline completion ran
    assert [i.insert_text for i in (inline.items if isinstance(inline, types.InlineCompletionList) else inline)] == ["amount"]
    assert [e["text"] for e in (await asyncio.wait_for(edit, TIMEOUT))["edits"]] == ["amount"]  # not cancelled


async def test_scripted_a_newer_inline_completion_supersedes_the_older_one(client, workspace, server):
    uri = (workspace / "twice.py").as_uri()
    text = rename(client, uri)
    rewritten = "```python\n" + text.replace("value *", "amount *") + "```"
    server.script(Reply(text=rewritten, chunk_delay_s=0.1, chunk_chars=16), Reply(text=rewritten))
    cursor = types.Position(line=2, character=len("    return "))
    before = len(server.posts("/chat/completions"))
    older = asyncio.ensure_future(client.text_document_inline_completion_async(inline_params(uri, cursor)))
    await poll(lambda: len(server.posts("/chat/completions")) > before, what="the older request reaching the model")
    newer = await asyncio.wait_for(client.text_document_inline_completion_async(inline_params(uri, cursor)), TIMEOUT)
    assert [i.insert_text for i in (newer.items if isinstance(newer, types.InlineCompletionList) else newer)] == ["amount"]
    old = await asyncio.wait_for(older, TIMEOUT)
    assert list(old.items if isinstance(old, types.InlineCompletionList) else old) == []  # cancelled mid-generation


async def test_scripted_rename_jumps_to_the_old_names_use_thirty_lines_away(client, workspace, server):
    uri = (workspace / "long.py").as_uri()
    editor = client.editor  # type: ignore[attr-defined]
    editor.open(uri, LONG)
    editor.type(uri, LONG.index("value"), LONG.index("value") + len("value"), "amount")
    usage = 31  # the line of "    return value * factor"
    lines = editor.text(uri).splitlines(True)
    region = "".join(lines[usage - 5 :]).replace("return value", "return amount")
    server.script(Reply(text="```python\n" + region + "```"))
    result = await request(
        client, "textDocument/copilotInlineEdit", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 16}}
    )
    (edit,) = result["edits"]
    col = len("    return ")
    assert edit["range"] == {"start": {"line": usage, "character": col}, "end": {"line": usage, "character": col + len("value")}}
    assert edit["text"] == "amount"


async def test_scripted_bad_replies_answer_no_edit_and_no_error(client, workspace, server):
    uri = (workspace / "five.py").as_uri()
    editor = client.editor  # type: ignore[attr-defined]
    editor.open(uri, FIVE)
    editor.type(uri, FIVE.index("value"), FIVE.index("value") + len("value"), "amount")
    seen = editor.text(uri).replace("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[REDACTED]")
    params = {"textDocument": {"uri": uri, "version": 2}, "position": {"line": 0, "character": 16}}
    replies = [
        Reply(text="```python\n" + seen + "```"),  # unchanged: the token is not overwritten with [REDACTED]
        Reply(text="```python\n" + seen.replace('[REDACTED]"', '[REDACTED]"  # keep') + "```"),  # the marker would be written
        Reply(text="def scale(amount, factor):\n    total = amount<|endoftext|>more"),  # control token mid-region
        Reply(text="```python\n" + seen.replace("value *", "amount *")),  # no closing fence
        Reply(text="```python\n" + seen.replace("value *", "amount *") + "```", finish_reason="length"),  # cut by max_tokens
        Reply(text="I think you should rename things."),  # prose
        Reply(text="```python\n" + seen.replace("value *", "(amount *") + "```"),  # breaks the syntax
        Reply(text="```python\n" + seen.replace("    return total\n", "".join(f"    s{i} = {i}\n" for i in range(14))) + "```"),
    ]
    for reply in replies:
        server.script(reply)
        before = len(server.posts("/chat/completions"))
        assert await request(client, "textDocument/copilotInlineEdit", params) == {"edits": []}, reply.text
        assert len(server.posts("/chat/completions")) == before + 1
    # A good reply still gives its edit, the token line untouched.
    server.script(Reply(text="```python\n" + seen.replace("value *", "amount *") + "```"))
    (edit,) = (await request(client, "textDocument/copilotInlineEdit", params))["edits"]
    assert edit["text"] == "amount" and edit["range"]["start"]["line"] == 3


async def test_scripted_stale_version_and_unknown_uri_answer_no_edit(client, workspace, server):
    uri = (workspace / "stale.py").as_uri()
    rename(client, uri)  # the document is at version 2
    before = len(server.posts())
    stale = {"textDocument": {"uri": uri, "version": 1}, "position": {"line": 0, "character": 16}}
    assert await request(client, "textDocument/copilotInlineEdit", stale) == {"edits": []}
    nowhere = {"textDocument": {"uri": (workspace.parent / "nowhere.py").as_uri()}, "position": {"line": 0, "character": 0}}
    assert await request(client, "textDocument/copilotInlineEdit", nowhere) == {"edits": []}
    assert server.posts()[before:] == []  # neither reached the model
