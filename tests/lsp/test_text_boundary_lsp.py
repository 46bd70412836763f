"""Text at the boundary (case 21): a lone UTF-16 surrogate in one buffer poisons nothing else.

The client sends ``"\\ud83d"`` (half an emoji, as ``JSON.stringify`` writes a cut JavaScript
string). Completion in another file keeps working and no request to the model holds a
surrogate; the buffer itself completes, but an edit of it is refused with an InputError until
the bad character is gone. The real server over stdio; the model is the scripted endpoint.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import TIMEOUT, config, initialize, request
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

CALC = "def add(a, b):\n    return a + b\n"
NOTES = "s = '\ud83d'\n"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lsp-text-boundary")
    (root / "calc.py").write_text(CALC)
    (root / "notes.py").write_text("s = ''\n")
    return root


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, workspace: Path, server: ScriptedOpenAIServer):
    slot = {"backend": "openai", "baseUrl": server.base_url, "model": "scripted-model", "maxRetries": 0}
    options = {"models": {"s": slot}, "roles": {"edit": ["s"], "complete": ["s"]}, "complete": {"debounceMs": 0}}
    await initialize(lsp_client, workspace, options)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


async def complete(client: LanguageClient, uri: str, line: int, character: int) -> types.CompletionList:
    params = types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character))
    result = await asyncio.wait_for(client.text_document_completion_async(params), TIMEOUT)
    assert isinstance(result, types.CompletionList)
    return result


def has_surrogate(value: object) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in json.dumps(value, ensure_ascii=False))


async def test_lone_surrogate_in_one_buffer_does_not_break_completion_elsewhere(client: LanguageClient, workspace: Path, server):
    editor = client.editor  # type: ignore[attr-defined]
    calc, notes = (workspace / "calc.py").as_uri(), (workspace / "notes.py").as_uri()
    editor.open(calc, CALC)
    editor.open(notes, NOTES)
    for _ in range(2):
        server.script(Reply(text="1"))
        assert (await complete(client, calc, 1, 16)).items[0].insert_text == "1"
    server.script(Reply(text="2"))
    assert (await complete(client, notes, 0, 6)).items[0].insert_text == "2"  # the repaired buffer completes
    bodies = [post.body for post in server.posts()]
    assert bodies and not any(has_surrogate(body) for body in bodies)


async def test_edit_of_the_repaired_buffer_is_refused_until_the_character_is_gone(client: LanguageClient, workspace: Path, server):
    editor = client.editor  # type: ignore[attr-defined]
    notes = (workspace / "notes.py").as_uri()
    with pytest.raises(JsonRpcException) as caught:
        await request(client, "tether/createProposal", {"uri": notes, "instruction": "Add a docstring."})
    assert caught.value.code == -32001 and caught.value.data["type"] == "InputError"
    assert "not valid Unicode" in caught.value.message and "line 1" in caught.value.message

    editor.replace_all(notes, "s = 'ok'\n")
    server.script(Reply(text='```python\n"""Notes."""\ns = \'ok\'\n```'))
    proposal = await request(client, "tether/createProposal", {"uri": notes, "instruction": "Add a docstring."})
    assert proposal["files"][0]["newText"].startswith('"""Notes."""')
