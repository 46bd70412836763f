"""Created, deleted and renamed files accepted over real stdio, the model being the SCRIPTED server.

Two pytest-lsp clients: one declaring VS Code's ``workspace.workspaceEdit`` capabilities
(``resourceOperations`` create/rename/delete, ``failureHandling``), which must get CreateFile,
DeleteFile and RenameFile inside ``documentChanges`` and apply them itself, as an editor does; one
without resource operations, for which the server writes the file operation on disk itself and
says so with ``window/showMessage``.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import SERVER, TIMEOUT, Editor, _converter, capabilities, command, offset, poll, server_env
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import register_lsp_features
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

CALC = "def add(a, b):\n    return a + b\n"
OLD = "def old():\n    return 1\n"
HELPERS = "def double(x):\n    return 2 * x\n"


class FileEditor(Editor):
    """The lsp_editor Editor, also applying resource operations on disk as an editor does."""

    def __init__(self, client: LanguageClient, root: Path | None = None):
        super().__init__(client)
        self.root = root

    def apply(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        self.applied.append(params)
        for change in params.edit.document_changes or []:
            if isinstance(change, types.CreateFile):
                path = _path(change.uri)
                if path.exists():
                    return types.ApplyWorkspaceEditResult(applied=False, failure_reason=f"{path} exists")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("")
            elif isinstance(change, types.DeleteFile):
                _path(change.uri).unlink()
                self.docs.pop(change.uri, None)
            elif isinstance(change, types.RenameFile):
                _path(change.old_uri).rename(_path(change.new_uri))
                if change.old_uri in self.docs:
                    self.docs[change.new_uri] = self.docs.pop(change.old_uri)
            else:
                uri = change.text_document.uri
                if uri not in self.docs:  # a file the editor just made or moved: open it
                    self.docs[uri] = (0, _path(uri).read_text())
                version, old = self.docs[uri]
                if change.text_document.version is not None and change.text_document.version != version:
                    return types.ApplyWorkspaceEditResult(applied=False, failure_reason="buffer is newer than the edit")
                spans = [(offset(old, e.range.start), offset(old, e.range.end), e.new_text) for e in change.edits]
                self._send_change(uri, version + 1, spans, old)
                _path(uri).write_text(self.text(uri))  # saved, as a person would before the next step
        return types.ApplyWorkspaceEditResult(applied=True)


def _path(uri: str) -> Path:
    from pygls.uris import to_fs_path

    return Path(to_fs_path(uri) or "")


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=_converter)
    register_lsp_features(client)
    client.editor = FileEditor(client)  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(ls: LanguageClient, params: types.ApplyWorkspaceEditParams):
        return ls.editor.apply(params)  # type: ignore[attr-defined]

    @client.feature("tether/proposalsChanged")
    def proposals_changed(ls: LanguageClient, params):
        ls.editor.changed.append(params)  # type: ignore[attr-defined]

    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client, server_env=server_env())


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_git_repo(tmp_path_factory.mktemp("lsp-fileops") / "ws", {"calc.py": CALC, "old.py": OLD, "gone.py": OLD})


async def start(client: LanguageClient, root: Path, server: ScriptedOpenAIServer, resource_ops: bool) -> None:
    caps = capabilities()
    edit_caps = caps.workspace.workspace_edit  # type: ignore[union-attr]
    assert edit_caps is not None and edit_caps.document_changes and edit_caps.failure_handling is not None
    assert set(edit_caps.resource_operations or []) == set(types.ResourceOperationKind)  # what VS Code declares
    if not resource_ops:
        edit_caps.resource_operations = None
    slot = {"backend": "openai", "baseUrl": server.base_url, "model": "scripted-model", "maxRetries": 0}
    params = types.InitializeParams(
        capabilities=caps,
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options={"level": "repo", "models": {"adv": slot}, "roles": {"edit": ["adv"]}},
    )
    await asyncio.wait_for(client.initialize_session(params), TIMEOUT)


@pytest_lsp.fixture(scope="module", config=CONFIG)
async def client(lsp_client: LanguageClient, workspace: Path, server: ScriptedOpenAIServer):
    await start(lsp_client, workspace, server, resource_ops=True)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


@pytest_lsp.fixture(scope="module", config=CONFIG)
async def plain(lsp_client: LanguageClient, workspace: Path, server: ScriptedOpenAIServer):
    await start(lsp_client, workspace, server, resource_ops=False)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


def plan(*steps: dict) -> Reply:
    return Reply(text=json.dumps({"steps": [{"files": [], **step} for step in steps]}))


async def run_steps(client: LanguageClient, server: ScriptedOpenAIServer, *replies: Reply) -> list[dict]:
    server.script(*replies)
    result = await command(client, "tether.editRepo", {"instruction": "Reorganise.", "reviewPlan": False})
    assert result["status"] == "done", result
    return result["proposals"]


async def test_scripted_create_is_applied_by_the_editor_as_create_file(client: LanguageClient, workspace: Path, server):
    (made,) = await run_steps(
        client, server, plan({"intent": "Add helpers", "create": ["pkg/helpers.py"]}), Reply(text=f"```python\n{HELPERS}```")
    )
    file = made["files"][0]
    assert file["op"] == "create" and file["uri"] == (workspace / "pkg/helpers.py").as_uri() and "oldPath" not in file
    assert not (workspace / "pkg/helpers.py").exists()  # nothing written before the accept
    done = await command(client, "tether.accept", {"proposalId": made["id"]})
    assert done["applied"] and done["proposal"]["status"] == "done"
    changes = client.editor.applied[-1].edit.document_changes  # type: ignore[attr-defined]
    assert isinstance(changes[0], types.CreateFile) and changes[0].uri == file["uri"]
    assert changes[0].options is not None and changes[0].options.overwrite is False
    assert isinstance(changes[1], types.TextDocumentEdit) and changes[1].edits[0].new_text == HELPERS
    assert (workspace / "pkg/helpers.py").read_text() == HELPERS


async def test_scripted_rename_and_delete_are_applied_by_the_editor(client: LanguageClient, workspace: Path, server):
    renamed, deleted = await run_steps(
        client,
        server,
        plan({"intent": "Move old", "rename": [{"from": "old.py", "to": "new_name.py"}]}, {"intent": "Drop gone", "delete": ["gone.py"]}),
    )
    assert renamed["files"][0]["op"] == "rename" and renamed["files"][0]["oldPath"] == "old.py"
    assert renamed["files"][0]["oldUri"] == (workspace / "old.py").as_uri()
    assert (await command(client, "tether.accept", {"proposalId": renamed["id"]}))["applied"]
    (change,) = client.editor.applied[-1].edit.document_changes  # type: ignore[attr-defined]
    assert isinstance(change, types.RenameFile) and change.new_uri == (workspace / "new_name.py").as_uri()
    assert (workspace / "new_name.py").read_text() == OLD and not (workspace / "old.py").exists()
    assert deleted["files"][0]["op"] == "delete"
    assert (await command(client, "tether.accept", {"proposalId": deleted["id"]}))["applied"]
    (change,) = client.editor.applied[-1].edit.document_changes  # type: ignore[attr-defined]
    assert isinstance(change, types.DeleteFile) and not (workspace / "gone.py").exists()


async def test_scripted_client_without_resource_operations_gets_the_file_written_on_disk(plain: LanguageClient, workspace: Path, server):
    (made,) = await run_steps(plain, server, plan({"intent": "Add notes", "create": ["notes.py"]}), Reply(text="```python\nX = 1\n```"))
    applied = len(plain.editor.applied)  # type: ignore[attr-defined]
    done = await command(plain, "tether.accept", {"proposalId": made["id"]})
    assert done["applied"] and done["proposal"]["status"] == "done"
    assert (workspace / "notes.py").read_text() == "X = 1\n" and len(plain.editor.applied) == applied  # type: ignore[attr-defined]
    await poll(lambda: any("created notes.py on disk" in m.message for m in plain.messages), what="the note")
    journal = json.loads(next((workspace / ".tether" / "proposals").glob(f"{made['id']}.json")).read_text())
    assert journal["intent"] is None  # written through the journaled path
    assert os.path.exists(workspace / "notes.py")
