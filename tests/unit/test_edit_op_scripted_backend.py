"""The edit op's re-ask loop, driven by a SCRIPTED backend.

The scripted backend replays fixed replies so the code above the backend (parsing, validation,
re-asking, proposal building, leash limits) can be tested on replies a real small model will
not produce on demand: cut-off replies, elisions, syntax errors. The backend itself is tested
against the real model in tests/backends/.
"""

from __future__ import annotations

import pytest
from tests.fixtures.scripted_backend import ScriptedBackend

from tether.backends.router import Router
from tether.config import load_settings
from tether.engine import Engine
from tether.errors import GenerationError, InputError, LeashError
from tether.ops.edit import edit_file, edit_selection

FILE = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"


def engine_with(tmp_path, backend: ScriptedBackend, **overrides) -> Engine:
    (tmp_path / "calc.py").write_text(FILE)
    settings = load_settings(tmp_path, env={}, overrides=overrides)
    return Engine(settings, tmp_path, router=Router(settings, factory=lambda name, cfg: backend))


async def test_scripted_backend_cut_off_reply_is_reasked_with_more_room(tmp_path):
    backend = ScriptedBackend([("def add(a, b):\n", "length"), ('def add(a, b):\n    """Add."""\n    return a + b\n', "stop")])
    engine = engine_with(tmp_path, backend)
    proposal = await edit_selection(engine, "calc.py", "Add a docstring.", 0, 2)
    assert '+    """Add."""' in proposal.diff()
    assert len(backend.requests) == 2
    assert backend.requests[1].max_tokens == 2 * backend.requests[0].max_tokens
    assert "cut off" in backend.requests[1].messages[-1].content
    assert engine.store.get(proposal.id).files[0].base_text == FILE


async def test_scripted_backend_elision_and_syntax_errors_are_reasked(tmp_path):
    backend = ScriptedBackend(
        [
            ("def add(a, b):\n    # ... rest of the code unchanged\n", "stop"),
            ("def add(a, b:\n    return a + b\n", "stop"),
            ("def add(x, y):\n    return x + y\n", "stop"),
        ]
    )
    engine = engine_with(tmp_path, backend)
    proposal = await edit_selection(engine, "calc.py", "Rename the parameters.", 0, 2)
    assert "+def add(x, y):" in proposal.diff()
    assert "elides" in backend.requests[1].messages[-1].content
    assert "syntax error" in backend.requests[2].messages[-1].content


async def test_scripted_backend_never_empties_a_file(tmp_path):
    backend = ScriptedBackend([("", "stop")] * 3)
    engine = engine_with(tmp_path, backend)
    with pytest.raises(GenerationError, match=r"after 3 tries \(empty; empty; empty\); nothing was changed"):
        await edit_file(engine, "calc.py", "Tidy up.")
    assert (tmp_path / "calc.py").read_text() == FILE
    assert engine.store.all() == []


async def test_scripted_backend_proposal_over_the_leash_is_refused(tmp_path):
    big = "".join(f"x{i} = {i}\n" for i in range(50))
    backend = ScriptedBackend([(big, "stop")])
    engine = engine_with(tmp_path, backend, limits={"selection": {"max_changed_lines": 10}})
    with pytest.raises(LeashError, match="allows 10"):
        await edit_selection(engine, "calc.py", "Expand.", 0, 2)


async def test_scripted_backend_bad_ranges_and_empty_instructions_are_input_errors(tmp_path):
    engine = engine_with(tmp_path, ScriptedBackend([]))
    with pytest.raises(InputError, match="not a range inside calc.py, which has 6 lines"):
        await edit_selection(engine, "calc.py", "x", 4, 99)
    with pytest.raises(InputError, match="instruction is empty"):
        await edit_file(engine, "calc.py", "  ")
    with pytest.raises(InputError, match="outside the workspace"):
        await edit_file(engine, "../elsewhere.py", "x")


async def test_scripted_backend_long_files_use_search_replace_blocks(tmp_path):
    long_file = FILE + "".join(f"\n\ndef f{i}():\n    return {i}\n" for i in range(80))
    reply = "<<<<<<< SEARCH\ndef f7():\n    return 7\n=======\ndef f7():\n    return 70\n>>>>>>> REPLACE\n"
    backend = ScriptedBackend([(reply, "stop")])
    engine = engine_with(tmp_path, backend)
    (tmp_path / "calc.py").write_text(long_file)
    proposal = await edit_file(engine, "calc.py", "Make f7 return 70.")
    assert proposal.changed_lines == 2 and "+    return 70" in proposal.diff()
    assert "SEARCH" in backend.requests[0].messages[-1].content


async def test_scripted_backend_redacted_secrets_are_restored_or_refused(tmp_path):
    secret_file = 'API_TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\n\n\ndef add(a, b):\n    return a + b\n'
    echoed = 'API_TOKEN = "[REDACTED]"\n\n\ndef add(a, b):\n    """Add."""\n    return a + b\n'
    changed = 'API_TOKEN = "[REDACTED]" + "x"\n\n\ndef add(a, b):\n    return a + b\n'
    backend = ScriptedBackend([(echoed, "stop"), (changed, "stop"), (changed, "stop"), (changed, "stop")])
    engine = engine_with(tmp_path, backend)
    (tmp_path / "calc.py").write_text(secret_file)
    proposal = await edit_file(engine, "calc.py", "Add a docstring.")
    assert "[REDACTED]" not in proposal.files[0].new_text and "ghp_abcdef" in proposal.files[0].new_text
    with pytest.raises(GenerationError, match="secret the model only saw"):
        await edit_file(engine, "calc.py", "Change the token.")


async def test_scripted_backend_whole_file_edit_shows_the_file_once(tmp_path):
    backend = ScriptedBackend([(FILE.replace("a + b", "b + a"), "stop")])
    engine = engine_with(tmp_path, backend)
    proposal = await edit_file(engine, "calc.py", "Swap the operands.")
    assert proposal.sources[0].kind == "selection" and proposal.sources[0].end_line == 6
    assert backend.requests[0].messages[-1].content.count("def sub(a, b):") == 1
