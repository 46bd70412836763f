"""One definition of a line over real stdio, the model being the SCRIPTED OpenAI-compatible server.

Bug case 02, LSP part: LSP lines end at \\n, \\r\\n or \\r only (3.17, "Text Documents"), so in a
file with a form-feed line the editor's line 3 (0-based) is ``    return 'hi'``. An edit of that
line must send that line to the model, and the accepted TextEdit must change that line in the
editor's buffer. The buffer the server keeps in sync through incremental ``didChange`` must
count lines the same way, and columns stay UTF-16 code units.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import TIMEOUT, config, initialize, request
from pytest_lsp import LanguageClient
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

# Case 02's LSP file: 4 lines for the editor (str.splitlines counts 5).
FORM_FEED = "import os\n\x0c\ndef greet():\n    return 'hi'\n"
# Non-BMP characters (two UTF-16 units each), U+2028 and U+0085 inside lines, no final newline.
WIDE = "s = '😀\u2028😀'\n\x0c\nt = '\x85'\nlast = '😀'"


def fenced(code: str) -> Reply:
    return Reply(text=f"```python\n{code}```")


def cursor(line: int) -> dict:
    return {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}


def selected_code(server: ScriptedOpenAIServer) -> str:
    prompt = server.posts("/chat/completions")[-1].body["messages"][-1]["content"]
    match = re.search(r"Selected code from [^\n]*:\n(`{3,})[^\n]*\n(.*?)\n\1", prompt, re.S)
    assert match, prompt
    return match.group(2)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {"mod.py": FORM_FEED, "wide.py": WIDE}
    return make_git_repo(tmp_path_factory.mktemp("lsp-lines") / "ws", files)


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, workspace: Path, server: ScriptedOpenAIServer):
    slot = {"backend": "openai", "baseUrl": server.base_url, "model": "scripted-model", "maxRetries": 0}
    await initialize(lsp_client, workspace, {"models": {"scripted": slot}, "roles": {"edit": ["scripted"]}})
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


async def edit_and_accept(client: LanguageClient, uri: str, line: int, reply: Reply, server) -> dict:
    server.script(reply)
    proposal = await request(client, "tether/createProposal", {"uri": uri, "instruction": "Edit it", "range": cursor(line)})
    result = await request(client, "tether/acceptHunks", {"proposalId": proposal["id"]})
    assert result["applied"] is True
    return proposal


async def test_scripted_form_feed_line_is_one_lsp_line_and_the_edit_lands_on_it(client, workspace, server):
    editor = client.editor  # type: ignore[attr-defined]
    uri = (workspace / "mod.py").as_uri()
    editor.open(uri, FORM_FEED)
    await edit_and_accept(client, uri, 3, fenced("    return 'hi'  # edited\n"), server)
    assert selected_code(server) == "    return 'hi'"
    edit = editor.applied[-1].edit.document_changes[0].edits[0]
    assert (edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character) == (3, 0, 4, 0)
    assert edit.new_text == "    return 'hi'  # edited\n"
    assert editor.text(uri) == FORM_FEED.replace("'hi'", "'hi'  # edited")


async def test_scripted_server_buffer_follows_incremental_changes_below_a_form_feed(client, workspace, server):
    # The accept above reached the server as an incremental didChange on line 3; the server's
    # buffer must hold the same text as the editor's, or this second edit goes astray.
    editor = client.editor  # type: ignore[attr-defined]
    uri = (workspace / "mod.py").as_uri()
    before = editor.text(uri)
    await edit_and_accept(client, uri, 2, fenced("def greet() -> str:\n"), server)
    assert selected_code(server) == "def greet():"
    assert editor.text(uri) == before.replace("def greet():", "def greet() -> str:")
    assert "\x0c\ndef greet() -> str:\n    return 'hi'  # edited\n" in editor.text(uri)


async def test_scripted_utf16_columns_and_unicode_separators_in_lines(client, workspace, server):
    editor = client.editor  # type: ignore[attr-defined]
    uri = (workspace / "wide.py").as_uri()
    editor.open(uri, WIDE)
    await edit_and_accept(client, uri, 3, fenced("last = '😀😀'\n"), server)
    assert selected_code(server) == "last = '😀'"
    edit = editor.applied[-1].edit.document_changes[0].edits[0]
    # The last line has no break: the range ends at its end, in UTF-16 code units (😀 is two).
    assert (edit.range.start.line, edit.range.start.character) == (3, 0)
    assert (edit.range.end.line, edit.range.end.character) == (3, len("last = ''") + 2)
    assert editor.text(uri) == WIDE.replace("last = '😀'", "last = '😀😀'")
    await edit_and_accept(client, uri, 2, fenced("t = '\x85!'\n"), server)
    assert selected_code(server) == "t = '\x85'"
    assert editor.text(uri) == WIDE.replace("last = '😀'", "last = '😀😀'").replace("t = '\x85'", "t = '\x85!'")
