"""Every setting acts where docs/configuration.md says: one test per setting, each showing the
behaviour change a different value makes.

Behaviour above the backend runs against the SCRIPTED OpenAI-compatible server
(tests/fixtures/server.py): what left tether (the recorded request bodies) and what came
back (proposals, completions, errors) are checked. The slider is checked in the ops (every
surface calls them) and through the installed `tether` entry point, where the CLI is the
surface. Settings whose behaviour lives in one backend are tested there, and named in the
docs table: ``edit.speculative`` (tests/backends/test_llamacpp.py), ``models.*.timeout_s`` /
``max_retries`` / ``api_key_env`` (tests/backends/test_openai_compat.py), ``complete.debounce_ms``
(tests/lsp/test_edit_lsp_scripted.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.conftest import run_tether
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer
from tests.fixtures.scripted_backend import ScriptedBackend

from tether.backends.router import Router
from tether.config import load_settings
from tether.context.code_providers import ScopeProvider
from tether.engine import EditTarget, Engine
from tether.errors import ConfigError, GenerationError, LeashError
from tether.ops.complete import complete
from tether.ops.edit import edit_file, edit_selection
from tether.ops.repo import run_repo
from tether.ops.repo_models import RepoOptions
from tether.pack import ContextPack
from tether.slider import Level

FILE = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
SUB_DOC = 'def sub(a, b):\n    """Subtract."""\n    return a - b\n'
# A reply no edit can be made from (a Python syntax error), however often it is re-asked.
UNUSABLE = Reply(text="```python\ndef add(a, b:\n    return a +\n```")


@pytest.fixture
def server() -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer() as started:
        yield started


def fenced(code: str) -> Reply:
    return Reply(text=f"```python\n{code}```")


def slot(server: ScriptedOpenAIServer, model: str = "scripted-model", **extra: object) -> dict[str, object]:
    return {"backend": "openai", "base_url": server.base_url, "model": model, "max_retries": 0, **extra}


def engine_for(root: Path, server: ScriptedOpenAIServer, files: dict[str, str] | None = None, **overrides: object) -> Engine:
    for name, text in (files or {"calc.py": FILE}).items():
        (root / name).write_text(text)
    layer = {"models": {"s": slot(server)}, "roles": {"edit": ["s"], "complete": ["s"]}}
    return Engine(load_settings(root, env={}, overrides={**layer, **overrides}), root)


def chat_bodies(server: ScriptedOpenAIServer) -> list[dict]:
    return [r.body for r in server.posts("/chat/completions")]


def prompt_text(body: dict) -> str:
    return "\n".join(m["content"] for m in body["messages"])


# -- level / max_level: one decision in the ops, for every surface ----------------------------


async def test_scripted_level_refuses_an_edit_above_the_slider_before_any_model_call(tmp_path, server):
    engine = engine_for(tmp_path, server, level="selection")
    with pytest.raises(LeashError, match=r"level = 'selection'.*--level file"):
        await edit_file(engine, "calc.py", "Add docstrings.")
    engine = engine_for(tmp_path, server, level="complete")
    with pytest.raises(LeashError, match=r"level = 'complete'"):
        await edit_selection(engine, "calc.py", "Add a docstring.", 4, 6)
    assert server.posts() == []
    server.script(fenced(SUB_DOC))
    engine = engine_for(tmp_path, server, level="selection")
    proposal = await edit_selection(engine, "calc.py", "Add a docstring.", 4, 6)
    assert '+    """Subtract."""' in proposal.diff()


async def test_scripted_level_refuses_a_repo_run_below_the_repo_level(tmp_path, server):
    root = make_git_repo(tmp_path / "r", {"calc.py": FILE})
    engine = engine_for(root, server, files={})
    with pytest.raises(LeashError, match=r"--level repo"):
        await run_repo(engine, RepoOptions(task="Add mul."))
    assert server.posts() == []


async def test_max_level_refuses_above_the_ceiling_and_lowers_the_default_slider(tmp_path, server):
    engine = engine_for(tmp_path, server, max_level="selection")
    assert engine.settings.level is Level.SELECTION  # the default position follows the lowered ceiling
    with pytest.raises(LeashError, match=r"max_level = 'selection'.*TETHER_MAX_LEVEL"):
        await edit_file(engine, "calc.py", "Add docstrings.")
    assert server.posts() == []
    with pytest.raises(ConfigError, match=r"level 'repo' is above max_level 'file'.*TETHER_LEVEL"):
        load_settings(tmp_path, env={"TETHER_LEVEL": "repo", "TETHER_MAX_LEVEL": "file"})


def test_scripted_cli_level_flag_moves_the_slider_up_to_max_level(tmp_path, server):
    root = make_git_repo(tmp_path / "r", {"calc.py": FILE})
    env = {"TETHER_MODELS__S": json.dumps(slot(server)), "TETHER_ROLES__EDIT": '["s"]', "TETHER_LEVEL": "selection"}
    refused = run_tether("-C", str(root), "edit", "calc.py", "-m", "Add docstrings.", env=env)
    assert refused.returncode == 7 and "--level file" in refused.stderr and refused.stdout == "", refused.stderr
    server.script(fenced(FILE.replace("def sub(a, b):\n", 'def sub(a, b):\n    """Subtract."""\n')))
    allowed = run_tether("-C", str(root), "edit", "calc.py", "-m", "Add docstrings.", "--level", "file", env=env)
    assert allowed.returncode == 0 and '+    """Subtract."""' in allowed.stdout, allowed.stderr
    ceiling = run_tether("-C", str(root), "edit", "calc.py", "-m", "x", "--level", "repo", env={**env, "TETHER_MAX_LEVEL": "file"})
    assert ceiling.returncode == 7 and "--level repo is above" in ceiling.stderr and "TETHER_MAX_LEVEL" in ceiling.stderr
    repo = run_tether("-C", str(root), "repo", "-m", "Add mul.", env={**env, "TETHER_LEVEL": ""})
    assert repo.returncode == 7 and "--level repo" in repo.stderr, repo.stderr
    assert len(server.posts()) == 1  # only the allowed edit reached the model


# -- limits ----------------------------------------------------------------------------------


async def test_scripted_edit_max_reasks_bounds_selection_and_file_edits(tmp_path, server):
    server.default = UNUSABLE
    for reasks, calls in ((0, 1), (1, 2)):
        engine = engine_for(tmp_path, server, edit={"max_reasks": reasks})
        before = len(server.posts())
        with pytest.raises(GenerationError):
            await edit_selection(engine, "calc.py", "Add a docstring.", 4, 6)
        assert len(server.posts()) - before == calls
        before = len(server.posts())
        with pytest.raises(GenerationError):
            await edit_file(engine, "calc.py", "Add docstrings.")
        assert len(server.posts()) - before == calls


async def test_scripted_limits_max_model_calls_caps_the_reasks(tmp_path, server):
    server.default = UNUSABLE
    engine = engine_for(tmp_path, server, edit={"max_reasks": 5}, limits={"file": {"max_model_calls": 2}})
    with pytest.raises(GenerationError):
        await edit_file(engine, "calc.py", "Add docstrings.")
    assert len(server.posts()) == 2


async def test_scripted_limits_max_changed_lines_refuses_a_bigger_file_edit(tmp_path, server):
    rewritten = FILE.replace("def sub(a, b):\n", 'def sub(a, b):\n    """Subtract."""\n')
    server.script(fenced(rewritten))
    engine = engine_for(tmp_path, server, limits={"file": {"max_changed_lines": 1}})
    await edit_file(engine, "calc.py", "Add a docstring.")  # one added line: within the leash
    engine = engine_for(tmp_path, server, limits={"file": {"max_changed_lines": 1}})
    server.script(fenced(rewritten.replace("a + b", "b + a")))
    with pytest.raises(LeashError, match="allows 1"):
        await edit_file(engine, "calc.py", "Add a docstring and swap.")


async def test_scripted_limits_complete_max_changed_lines_cuts_a_long_completion(tmp_path, server):
    text = "def f():\n"
    for limit, expected in ((2, "    a = 1\n    b = 2"), (40, "    a = 1\n    b = 2\n    c = 3\n    d = 4")):
        server.script(Reply(text="    a = 1\n    b = 2\n    c = 3\n    d = 4\n"))
        engine = engine_for(tmp_path, server, limits={"complete": {"max_changed_lines": limit}})
        assert (await complete(engine, "calc.py", text, 1, 0)).text == expected


def test_limits_that_cannot_act_below_the_repo_level_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"limits.file.max_steps must be 1.*only limits.repo"):
        load_settings(tmp_path, env={"TETHER_LIMITS__FILE__MAX_STEPS": "3"})
    with pytest.raises(ConfigError, match=r"limits.complete.max_model_calls must be 1"):
        load_settings(tmp_path, env={}, overrides={"limits": {"complete": {"max_model_calls": 2}}})
    repo = load_settings(tmp_path, env={"TETHER_LIMITS__REPO__MAX_STEPS": "3"})
    assert repo.limits_for(Level.REPO).max_steps == 3


# -- complete.* -------------------------------------------------------------------------------


async def test_scripted_complete_max_tokens_is_what_the_request_asks(tmp_path, server):
    for tokens in (7, 30):
        engine = engine_for(tmp_path, server, complete={"max_tokens": tokens})
        await complete(engine, "calc.py", FILE, 1, 4)
        assert server.posts("/completions")[-1].body["max_tokens"] == tokens


async def test_scripted_complete_prefix_and_suffix_windows(tmp_path, server):
    text = "".join(f"x{i} = {i}\n" for i in range(200))
    fim = {"models": {"s": slot(server, fim=True)}}
    sent = []
    for prefix, suffix in ((100, 20), (6000, 2000)):
        engine = engine_for(tmp_path, server, **fim, complete={"max_prefix_chars": prefix, "max_suffix_chars": suffix})
        await complete(engine, "big.py", text, 100, 0)
        sent.append(server.posts("/completions")[-1].body)
    assert len(sent[0]["prompt"]) <= 100 and len(sent[0]["suffix"]) <= 20
    assert sent[1]["prompt"] == text[: text.index("x100 = ")] and len(sent[1]["suffix"]) > 1000


# -- edit.* -----------------------------------------------------------------------------------


async def test_scripted_edit_max_tokens_and_temperature_are_what_the_request_asks(tmp_path, server):
    for tokens, temperature in ((40, 0.0), (90, 0.3)):
        server.script(fenced(SUB_DOC))
        engine = engine_for(tmp_path, server, edit={"max_tokens": tokens, "temperature": temperature})
        await edit_selection(engine, "calc.py", "Add a docstring.", 4, 6)
        body = chat_bodies(server)[-1]
        assert body["max_tokens"] == tokens and body["temperature"] == temperature


async def test_scripted_edit_search_replace_over_lines_picks_the_edit_format(tmp_path, server):
    long = "".join(f"v{i} = {i}\n" for i in range(30))
    block = "<<<<<<< SEARCH\nv3 = 3\n=======\nv3 = 33\n>>>>>>> REPLACE\n"
    server.script(Reply(text=block), fenced(long.replace("v3 = 3\n", "v3 = 33\n")))
    for over in (20, 200):
        engine = engine_for(tmp_path, server, files={"long.py": long}, edit={"search_replace_over_lines": over})
        proposal = await edit_file(engine, "long.py", "Set v3 to 33.")
        assert "+v3 = 33" in proposal.diff()
    first, second = chat_bodies(server)
    assert "SEARCH/REPLACE" in prompt_text(first) and "SEARCH/REPLACE" not in prompt_text(second)


async def test_scripted_edit_around_lines_shows_surrounding_code_in_the_prompt(tmp_path, server):
    for around in (0, 3):
        server.script(fenced(SUB_DOC))
        engine = engine_for(tmp_path, server, edit={"around_lines": around})
        await edit_selection(engine, "calc.py", "Add a docstring.", 4, 6)
    without, with_around = (prompt_text(b) for b in chat_bodies(server))
    assert "Surrounding code" not in without
    assert "Surrounding code" in with_around and "return a + b" in with_around


async def test_edit_around_lines_decides_when_the_scope_provider_adds_the_enclosing_function(tmp_path, server):
    body = "".join(f"    v{i} = {i}\n" for i in range(8))
    text = f"def big():\n{body}    return v0\n"
    added = []
    for around in (0, 20):
        engine = engine_for(tmp_path, server, files={"big.py": text}, edit={"around_lines": around})
        target = EditTarget(path="big.py", text=text, start_line=4, end_line=5, instruction="x", level=Level.SELECTION)
        pack = ContextPack()
        await ScopeProvider().provide(engine, target, pack, budget_tokens=2000)
        added.append([(s.start_line, s.end_line) for s in pack.sources()])
    assert added[0] == [(1, 10)]  # lines 1-10: the whole function, beyond the selection the prompt shows
    assert added[1] == []  # the prompt already shows 20 lines around it: nothing to add


async def test_edit_speculative_reaches_the_backend_request(tmp_path):
    for speculative in (True, False):
        backend = ScriptedBackend([(SUB_DOC, "stop")])
        (tmp_path / "calc.py").write_text(FILE)
        settings = load_settings(tmp_path, env={}, overrides={"edit": {"speculative": speculative}})
        engine = Engine(settings, tmp_path, router=Router(settings, factory=lambda name, cfg, b=backend: b))
        await edit_selection(engine, "calc.py", "Add a docstring.", 4, 6)
        assert backend.requests[0].speculative is speculative


# -- models, roles, data_dir ------------------------------------------------------------------


async def test_scripted_roles_pick_the_slot_and_fim_sends_the_suffix(tmp_path, server):
    models = {"plain": slot(server, "plain-model"), "fim": slot(server, "fim-model", fim=True)}
    for role in ("plain", "fim"):
        engine = engine_for(tmp_path, server, models=models, roles={"complete": [role], "edit": [role]})
        await complete(engine, "calc.py", FILE, 1, 4)
    plain, fim = (r.body for r in server.posts("/completions"))
    assert plain["model"] == "plain-model" and "suffix" not in plain
    assert fim["model"] == "fim-model" and fim["suffix"].startswith("return a + b")


async def test_scripted_data_dir_is_where_proposals_are_kept(tmp_path, server):
    server.script(fenced(SUB_DOC))
    engine = engine_for(tmp_path, server, data_dir=str(tmp_path / "elsewhere"))
    proposal = await edit_selection(engine, "calc.py", "Add a docstring.", 4, 6)
    assert any(proposal.id in p.name for p in (tmp_path / "elsewhere").rglob("*"))
    assert not (tmp_path / ".tether").exists()


async def test_scripted_openai_n_ctx_is_the_endpoints_window_when_set(tmp_path, server):
    windows = []
    for extra in ({}, {"n_ctx": 2048}):
        engine = engine_for(tmp_path, server, models={"s": slot(server, **extra)})
        windows.append((await engine.backend("edit").capabilities()).n_ctx)
    assert windows == [8192, 2048]


def test_a_slot_field_of_the_other_backend_is_refused_not_ignored(tmp_path):
    with pytest.raises(
        ConfigError, match=r"models.remote: .*n_threads only apply to backend 'llamacpp'.*\(from the environment, TETHER_MODELS__REMOTE\)"
    ):
        load_settings(tmp_path, env={"TETHER_MODELS__REMOTE": '{"backend": "openai", "base_url": "http://127.0.0.1:1/v1", "n_threads": 4}'})
    with pytest.raises(ConfigError, match=r"fim only apply to backend 'openai'"):
        load_settings(tmp_path, env={"TETHER_MODELS__BUNDLED__FIM": "true"})
