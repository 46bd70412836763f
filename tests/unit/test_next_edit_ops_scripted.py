"""ops.next_edit against the SCRIPTED OpenAI-compatible server: each prompt format end to end
(what left tether, what came back), the leash, and the files no model (or no remote model) sees."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

from tether.config import load_settings
from tether.engine import Engine
from tether.errors import ConfigError, GenerationError, InputError, LeashError
from tether.ops.next_edit import next_edit
from tether.prompts.next_edit import CURSOR, REGION_END, REGION_START

SOURCE = 'def scale(amount, factor):\n    """Scale it."""\n    return value * factor\n'
EVENTS = 'User edited "scale.py":\n```diff\n@@ -1,1 +1,1 @@\n-def scale(value, factor):\n+def scale(amount, factor):\n```\n'


@pytest.fixture
def server() -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer() as started:
        yield started


def engine_for(root: Path, server: ScriptedOpenAIServer, **next_edit_settings: object) -> Engine:
    (root / "scale.py").write_text(SOURCE)
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    layer = {"models": {"s": slot}, "roles": {"complete": ["s"]}, "next_edit": next_edit_settings}
    return Engine(load_settings(root, env={}, overrides=layer), root)


async def test_scripted_zeta_format_sends_the_markers_and_reads_the_region_back(tmp_path, server):
    engine = engine_for(tmp_path, server, format="zeta")
    rewritten = SOURCE.replace("value *", "amount *")
    server.script(Reply(text=f"```scale.py\n<|start_of_file|>\n{REGION_START}\n{rewritten}"))  # stopped on the end marker
    result = await next_edit(engine, "scale.py", SOURCE, 0, 16, events=EVENTS)
    (post,) = server.posts("/completions")
    prompt = post.body["prompt"]
    assert "### User Edits:\n\n" + EVENTS in prompt
    assert f"{REGION_START}\ndef scale(amount{CURSOR}, factor):\n" in prompt and REGION_END in prompt
    assert post.body["stop"] == [REGION_END]
    rep = result.replacement
    assert rep is not None and result.format == "zeta"
    assert (rep.start_line, rep.start_col, rep.end_line, rep.end_col, rep.text) == (2, 11, 2, 16, "amount")


async def test_scripted_instruct_format_unchanged_region_is_no_edit(tmp_path, server):
    engine = engine_for(tmp_path, server, lines_before=0, lines_after=1)
    server.script(Reply(text='```python\ndef scale(amount, factor):\n    """Scale it."""\n```'))
    result = await next_edit(engine, "scale.py", SOURCE, 0, 0, events=EVENTS)
    assert result.replacement is None
    prompt = server.posts("/chat/completions")[-1].body["messages"][-1]["content"]
    assert "return value" not in prompt  # lines_after=1: the region stops above it
    assert "(lines 1-2)" in prompt
    assert server.posts("/chat/completions")[-1].body["max_tokens"] == 256  # next_edit.max_tokens


async def test_scripted_fim_format_degrades_to_an_insertion_at_the_cursor(tmp_path, server):
    engine = engine_for(tmp_path, server, format="fim")
    text = "def f(x):\n    return \n"
    server.script(Reply(text="x + 1"))
    result = await next_edit(engine, "scale.py", text, 1, 11)
    assert server.posts("/chat/completions") == [] and len(server.posts("/completions")) == 1
    rep = result.replacement
    assert rep is not None and (rep.start_line, rep.start_col, rep.end_line, rep.end_col, rep.text) == (1, 11, 1, 11, "x + 1")


async def test_scripted_next_edit_over_the_complete_leash_is_refused(tmp_path, server):
    engine = engine_for(tmp_path, server)
    engine = Engine(engine.settings.merged({"limits": {"complete": {"max_changed_lines": 1}}}), tmp_path)
    server.script(Reply(text="```python\n" + SOURCE.replace("value", "amount").replace("Scale it", "Scale the amount") + "```"))
    with pytest.raises(LeashError, match="changes 2 lines"):
        await next_edit(engine, "scale.py", SOURCE, 0, 0, events=EVENTS)


async def test_scripted_secret_file_reaches_no_model_and_excluded_file_no_remote_one(tmp_path, server):
    (tmp_path / ".gitignore").write_text("generated.py\n")
    local = engine_for(tmp_path, server)
    with pytest.raises(InputError, match="secrets"):
        await next_edit(local, ".env", "KEY=1\n", 0, 0)
    assert server.posts() == []
    server.script(Reply(text="```python\nx = 1\n```"))
    await next_edit(local, "generated.py", "x = 1\n", 0, 0)  # a local model may read an excluded file
    assert len(server.posts("/chat/completions")) == 1
    # The same endpoint through an IPv4-mapped IPv6 address: the backend counts it as remote.
    slot = {"backend": "openai", "base_url": server.base_url.replace("127.0.0.1", "[::ffff:127.0.0.1]"), "model": "scripted-model"}
    remote = Engine(local.settings.merged({"models": {"s": slot}}), tmp_path)
    assert not (await remote.backend("complete").capabilities()).local
    with pytest.raises(InputError, match="excluded"):
        await next_edit(remote, "generated.py", "x = 1\n", 0, 0)
    assert len(server.posts("/chat/completions")) == 1


LONG = "def scale(amount, factor):\n" + "".join(f"    step_{i} = {i}\n" for i in range(30)) + "    return value * factor\n"


async def test_scripted_region_jumps_to_the_old_names_use_far_from_the_cursor(tmp_path, server):
    engine = engine_for(tmp_path, server, lines_before=2, lines_after=2)
    usage = LONG.splitlines(True).index("    return value * factor\n")
    lines = LONG.splitlines(True)
    region = "".join(lines[usage - 2 :])
    server.script(Reply(text="```python\n" + region.replace("value", "amount") + "```"))
    result = await next_edit(engine, "scale.py", LONG, 0, 16, events=EVENTS, names=["value"])
    assert result.jumped
    prompt = server.posts("/chat/completions")[-1].body["messages"][-1]["content"]
    assert f"    return {CURSOR}value * factor" in prompt and "step_0" not in prompt
    rep = result.replacement
    assert rep is not None and (rep.start_line, rep.start_col, rep.end_col, rep.text) == (usage, 11, 16, "amount")
    # Without the name, or with the name still used near the cursor, the region stays.
    server.script(Reply(text="```python\n" + "".join(lines[:3]) + "```"))
    stay = await next_edit(engine, "scale.py", LONG, 0, 16, events=EVENTS, names=["step_1"])
    assert not stay.jumped and stay.replacement is None


def engine_with_slots(root: Path, server: ScriptedOpenAIServer, next_edit_slots: list[str]) -> Engine:
    """Slots ``s`` (no format of its own), ``z`` (``next_edit_format = "zeta"``) and ``down`` (an
    endpoint nothing listens on, which lists no models); ``[next_edit].format`` stays "instruct"."""
    (root / "scale.py").write_text(SOURCE)
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    down = {"backend": "openai", "base_url": "http://127.0.0.1:9/v1", "max_retries": 0, "timeout_s": 5}
    models = {"s": slot, "z": {**slot, "next_edit_format": "zeta"}, "down": down}
    layer = {"models": models, "roles": {"complete": ["s"], "next_edit": next_edit_slots}}
    return Engine(load_settings(root, env={}, overrides=layer), root)


async def test_scripted_the_serving_slots_own_format_wins_over_the_global_one(tmp_path, server):
    rewritten = SOURCE.replace("value *", "amount *")
    zeta_reply = Reply(text=f"```scale.py\n<|start_of_file|>\n{REGION_START}\n{rewritten}")
    # next_edit = ["z"]: the slot's zeta, a raw prompt with the region markers to /completions.
    server.script(zeta_reply)
    result = await next_edit(engine_with_slots(tmp_path, server, ["z"]), "scale.py", SOURCE, 0, 16, events=EVENTS)
    assert result.format == "zeta" and server.posts("/chat/completions") == []
    assert REGION_START in server.posts("/completions")[-1].body["prompt"]
    assert result.replacement is not None and result.replacement.text == "amount"
    # next_edit = ["s"]: no format of its own, so [next_edit].format (instruct): chat messages.
    server.script(Reply(text="```python\n" + rewritten + "```"))
    result = await next_edit(engine_with_slots(tmp_path, server, ["s"]), "scale.py", SOURCE, 0, 16, events=EVENTS)
    assert result.format == "instruct" and len(server.posts("/chat/completions")) == 1
    # next_edit = ["down", "z"]: the first slot cannot be reached, z serves, in its own format.
    server.script(zeta_reply)
    result = await next_edit(engine_with_slots(tmp_path, server, ["down", "z"]), "scale.py", SOURCE, 0, 16, events=EVENTS)
    assert result.format == "zeta" and result.replacement is not None and result.replacement.text == "amount"


def test_an_unknown_slot_next_edit_format_is_refused_at_load(tmp_path):
    layer = {"models": {"s": {"backend": "openai", "base_url": "http://127.0.0.1:9/v1", "next_edit_format": "copilot"}}}
    with pytest.raises(ConfigError, match="next_edit_format"):
        load_settings(tmp_path, env={}, overrides=layer)


# -- bad replies are no suggestion (a new user's destructive cases) ------------------------------

FIVE = 'def scale(amount, factor):\n    """Scale it."""\n    token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\n    total = value * factor\n    return total\n'


async def test_scripted_redacted_token_is_put_back_and_never_written_over(tmp_path, server):
    engine = engine_for(tmp_path, server)
    seen = FIVE.replace("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[REDACTED]")
    # The model returns the region as it saw it, the rename made: the token line is kept.
    server.script(Reply(text="```python\n" + seen.replace("value *", "amount *") + "```"))
    result = await next_edit(engine, "scale.py", FIVE, 0, 16, events=EVENTS)
    assert "[REDACTED]" in server.posts("/chat/completions")[-1].body["messages"][-1]["content"]
    assert "ghp_" not in server.posts("/chat/completions")[-1].body["messages"][-1]["content"]
    rep = result.replacement
    assert rep is not None and (rep.start_line, rep.text) == (3, "amount")
    # Unchanged region: no suggestion (not "[REDACTED]" over the token).
    server.script(Reply(text="```python\n" + seen + "```"))
    assert (await next_edit(engine, "scale.py", FIVE, 0, 16, events=EVENTS)).replacement is None
    # The model changed the token's line: the marker cannot be undone, so no suggestion.
    server.script(Reply(text="```python\n" + seen.replace('[REDACTED]"', '[REDACTED]"  # keep') + "```"))
    with pytest.raises(GenerationError, match="REDACTED"):
        await next_edit(engine, "scale.py", FIVE, 0, 16, events=EVENTS)


@pytest.mark.parametrize(
    ("reply", "finish", "match"),
    [
        # A control token mid-region ends the reply: what precedes is no whole region.
        (
            'def scale(amount, factor):\n    """Scale it."""\n    token = "[REDACTED]"\n    total = amount<|endoftext|>x\n',
            "stop",
            "ends before",
        ),
        # A fenced block that never closes.
        ('```python\ndef scale(amount, factor):\n    """Scale it."""\n', "stop", "never closes"),
        ("```python\n", "stop", "never closes"),
        # Cut by max_tokens: whatever it holds.
        ("```python\n" + FIVE.replace("value *", "amount *") + "```", "length", "cut off"),
        # Prose instead of code.
        ("I think you should rename things.", "stop", "prose"),
        # The model stopped early, unfenced: the region's last lines would vanish.
        ('def scale(amount, factor):\n    """Scale it."""\n', "stop", "ends before"),
        # Cut mid-line on the region's last line.
        ("```python\n" + FIVE.replace("value *", "amount *")[:-3] + "\n```", "stop", "ends before"),
    ],
)
async def test_scripted_incomplete_or_prose_reply_is_no_suggestion(tmp_path, server, reply, finish, match):
    engine = engine_for(tmp_path, server)
    server.script(Reply(text=reply, finish_reason=finish))
    with pytest.raises(GenerationError, match=match):
        await next_edit(engine, "scale.py", FIVE, 0, 16, events=EVENTS)


async def test_scripted_zeta_reply_cut_by_a_control_token_is_no_suggestion(tmp_path, server):
    engine = engine_for(tmp_path, server, format="zeta")
    server.script(Reply(text=f"```scale.py\n<|start_of_file|>\n{REGION_START}\ndef scale(amount, factor):\n    amount<|endoftext|>"))
    with pytest.raises(GenerationError, match="ends before"):
        await next_edit(engine, "scale.py", FIVE, 0, 16, events=EVENTS)


async def test_scripted_next_edit_that_breaks_the_syntax_is_refused(tmp_path, server):
    engine = engine_for(tmp_path, server)
    server.script(Reply(text="```python\n" + FIVE.replace("value * factor", "(value * factor") + "```"))
    with pytest.raises(GenerationError, match="syntax"):
        await next_edit(engine, "scale.py", FIVE, 0, 16, events=EVENTS)
    # A file without a grammar has no such check.
    server.script(Reply(text="```\n" + FIVE.replace("value * factor", "(value * factor") + "```"))
    result = await next_edit(engine, "scale.txt", FIVE, 0, 16, events=EVENTS)
    assert result.replacement is not None and result.replacement.text == "("


async def test_scripted_next_edit_is_bounded_by_the_region_and_max_changed_lines(tmp_path, server):
    engine = engine_for(tmp_path, server)
    body = "".join(f"    step_{i} = {i}\n" for i in range(14))
    # A 5-line function replaced by a 19-line block: over next_edit.max_changed_lines (10).
    server.script(Reply(text="```python\ndef scale(amount, factor):\n" + body + "    total = amount * factor\n    return total\n```"))
    with pytest.raises(LeashError, match="next_edit.max_changed_lines allows 10"):
        await next_edit(engine, "scale.py", FIVE, 0, 16, events=EVENTS)
    # Raised limits: the region still bounds it (lines_before + lines_after + 1 = 3 here).
    small = engine_for(tmp_path, server, lines_before=0, lines_after=2, max_changed_lines=50)
    server.script(
        Reply(text='```python\ndef scale(amount, factor):\n    """Scale it."""\n    x = 1\n    y = 2\n    token = "[REDACTED]"\n```')
    )
    with pytest.raises(LeashError, match="at most 3"):
        await next_edit(small, "scale.py", FIVE, 0, 16, events=EVENTS)


async def test_scripted_a_prose_region_may_come_back_as_prose(tmp_path, server):
    engine = engine_for(tmp_path, server)
    notes = "Scaling notes.\n\nThe scale function multiplies the value by the factor.\n"
    server.script(Reply(text="```markdown\n" + notes.replace("the value", "the amount") + "```"))
    result = await next_edit(engine, "notes.md", notes, 0, 0, events=EVENTS)
    assert result.replacement is not None and result.replacement.text == "amount"


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
async def test_scripted_reply_line_endings_fit_the_documents(tmp_path, server, eol):
    # The reply's breaks are the other kind: the replacement carries the document's only.
    engine = engine_for(tmp_path, server)
    other = "\r\n" if eol == "\n" else "\n"
    text = SOURCE.replace("\n", eol)
    rewritten = SOURCE.replace("value *", "amount *").replace('"""Scale it."""', '"""Scale the amount."""\n    amount = abs(amount)')
    server.script(Reply(text="```python" + other + rewritten.replace("\n", other) + "```"))
    result = await next_edit(engine, "scale.py", text, 0, 16, events=EVENTS)
    rep = result.replacement
    assert rep is not None
    lines = text.split(eol)
    start = sum(len(line) + len(eol) for line in lines[: rep.start_line]) + rep.start_col
    end = sum(len(line) + len(eol) for line in lines[: rep.end_line]) + rep.end_col
    accepted = text[:start] + rep.text + text[end:]
    assert accepted == rewritten.replace("\n", eol)
    assert other not in accepted.replace(eol, "")


async def test_scripted_instruct_reply_with_a_control_token_inside_its_fence_is_no_suggestion(tmp_path, server):
    engine = engine_for(tmp_path, server)
    server.script(Reply(text='```python\ndef scale(amount, factor):\n    """Scale it."""<|im_end|>\n    return amount * factor\n```'))
    with pytest.raises(GenerationError, match="cut off"):
        await next_edit(engine, "scale.py", SOURCE, 0, 16, events=EVENTS)
