"""Sweep's next-edit prompt format: rendering, reading a reply back, and the op end to end against
the SCRIPTED OpenAI-compatible server (what left tether, what came back)."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

from tether.config import load_settings
from tether.context.edit_history import EditHistory
from tether.engine import Engine
from tether.ops.next_edit import next_edit
from tether.prompts.next_edit import editable_region
from tether.prompts.next_edit_sweep import CURSOR, FILE_SEP, events_as_changes, parse_sweep, sweep_request

OLD = "def scale(value, factor):\n    total = value * factor\n    return total\n"
NEW = OLD.replace("def scale(value", "def scale(amount")


def events() -> str:
    history = EditHistory()
    history.observe("scale.py", OLD, 0)
    history.observe("scale.py", NEW, 1)
    return history.events_text("scale.py")


def test_events_read_back_as_original_updated_pairs():
    assert events_as_changes(events()) == [("scale.py", "def scale(value, factor):\n", "def scale(amount, factor):\n")]
    assert events_as_changes("no events here") == []


def test_sweep_prompt_sections_and_reply_reading():
    region = editable_region(NEW, 0, 16, 0, 1)
    request = sweep_request("scale.py", NEW, region, events(), 64)
    expected = (
        f"{FILE_SEP}scale.py\n{NEW}"
        f"{FILE_SEP}scale.py.diff\noriginal:\ndef scale(value, factor):\nupdated:\ndef scale(amount, factor):\n"
        f"{FILE_SEP}original/scale.py:1:2\ndef scale(value, factor):\n    total = value * factor\n"
        f"{FILE_SEP}current/scale.py:1:2\ndef scale(amount{CURSOR}, factor):\n    total = value * factor\n"
        f"{FILE_SEP}updated/scale.py:1:2\n"
    )
    assert request.prompt == expected
    assert request.stop == [FILE_SEP, "</s>"] and request.max_tokens == 64 and request.temperature == 0.0
    assert parse_sweep(f"def f(amount{CURSOR}):\n    pass\n{FILE_SEP}next/file.py\njunk") == "def f(amount):\n    pass\n"
    assert parse_sweep("x = 1\n</s>more") == "x = 1\n"


async def test_scripted_sweep_format_end_to_end(tmp_path: Path):
    with ScriptedOpenAIServer() as server:
        slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
        layer = {"models": {"s": slot}, "roles": {"complete": ["s"]}, "next_edit": {"format": "sweep", "lines_before": 0, "lines_after": 1}}
        engine = Engine(load_settings(tmp_path, env={}, overrides=layer), tmp_path)
        server.script(Reply(text="def scale(amount, factor):\n    total = amount * factor\n"))
        result = await next_edit(engine, "scale.py", NEW, 0, 16, events=events())
        (post,) = server.posts("/completions")
    assert post.body["prompt"].endswith(f"{FILE_SEP}updated/scale.py:1:2\n") and post.body["stop"] == [FILE_SEP, "</s>"]
    rep = result.replacement
    assert result.format == "sweep" and rep is not None
    assert (rep.start_line, rep.start_col, rep.end_line, rep.end_col, rep.text) == (1, 12, 1, 17, "amount")
