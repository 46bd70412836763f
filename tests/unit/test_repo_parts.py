"""The repo agent's parts: plan schema and formats, path guards, review flags, line edits."""

from __future__ import annotations

import json
import os

import pytest
from llama_cpp import LlamaGrammar

from tether.edits.guards import confine, is_ci_path, is_test_path, review_flags, task_mentions_checks, touches_tests
from tether.edits.lines import LineEdit, apply_line_edit, line_edit_schema, parse_line_edit
from tether.edits.plan import Plan, parse_plan_json, parse_plan_text, plan_max_tokens, plan_schema, render_plan
from tether.errors import GenerationError, InputError, LeashError
from tether.proposals import build_file_change
from tether.workspace import Workspace


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_plan_schema_is_inlined_bounded_and_compiles_to_a_llama_grammar():
    schema = plan_schema(["a.py", "b/c.py"], max_steps=3, max_files=2)
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text
    steps = schema["properties"]["steps"]
    assert steps["maxItems"] == 3 and steps["minItems"] == 1
    item = steps["items"]
    assert item["additionalProperties"] is False
    assert item["properties"]["intent"]["maxLength"] == 200
    assert item["properties"]["files"]["maxItems"] == 2
    assert item["properties"]["files"]["items"] == {"enum": ["a.py", "b/c.py"]}
    # every string and array in it is bounded, so constrained generation ends
    for node in _walk(schema):
        if node.get("type") == "string":
            assert "maxLength" in node
        if node.get("type") == "array":
            assert "maxItems" in node
    LlamaGrammar.from_json_schema(text, verbose=False)
    assert plan_max_tokens(3, 2) > 3 * 100


def test_plan_schema_without_an_enum_when_files_are_many():
    schema = plan_schema([f"f{i}.py" for i in range(400)], max_steps=2, max_files=8)
    files = schema["properties"]["steps"]["items"]["properties"]["files"]
    assert files["items"]["type"] == "string" and files["items"]["maxLength"] == 200


def test_model_plans_parse_from_json_or_prose_and_bad_ones_are_reaskable_errors():
    plan = parse_plan_json('{"steps": [{"intent": "Add mul", "files": ["calc.py"]}]}')
    assert plan.files() == ["calc.py"]
    assert parse_plan_json('Sure! ```json\n{"steps": [{"intent": "x", "files": ["a.py"]}]}\n```').steps[0].intent == "x"
    with pytest.raises(GenerationError, match="does not match the plan format"):
        parse_plan_json('{"steps": [{"intent": "x", "files": []}]}')
    with pytest.raises(GenerationError, match="does not match the plan format"):
        parse_plan_json('{"steps": [{"intent": "x", "files": ["a.py"], "shell": "rm -rf /"}]}')
    with pytest.raises(GenerationError, match="no JSON"):
        parse_plan_json("I will now edit the files.")


def test_plans_round_trip_through_the_editable_toml_form():
    plan = Plan.model_validate(
        {
            "steps": [
                {"intent": 'Add "mul" to calc', "files": ["calc.py"]},
                {"intent": "Use it — everywhere", "files": ["app.py", "calc.py"]},
            ]
        }
    )
    text = render_plan(plan, "Add multiplication")
    again, task = parse_plan_text(text)
    assert again == plan and task == "Add multiplication"
    edited, _ = parse_plan_text(text.replace("Use it — everywhere", "Use it in app.py only"))
    assert edited.steps[1].intent == "Use it in app.py only"
    assert parse_plan_text(plan.model_dump_json())[0] == plan
    with pytest.raises(InputError, match="neither valid TOML nor JSON"):
        parse_plan_text("[[steps]\nintent=")
    with pytest.raises(InputError, match="does not match the plan format"):
        parse_plan_text('[[steps]]\nintent = "x"\nfiles = ["a.py"]\nrun = "make"\n')


def test_confine_refuses_paths_outside_the_workspace_symlinks_and_tool_data(tmp_path):
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("x = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    outside = tmp_path / "outside.py"
    outside.write_text("secret = 1\n")
    os.symlink(outside, root / "link.py")
    (root / ".env").write_text("TOKEN=abc\n")
    ws = Workspace(root)
    eligible = {"pkg/mod.py"}
    assert confine(ws, "pkg/mod.py", eligible) == "pkg/mod.py"
    assert confine(ws, "./pkg/../pkg/mod.py", eligible) == "pkg/mod.py"
    for bad in ("../outside.py", str(outside), "link.py", "/etc/passwd"):
        with pytest.raises(LeashError, match="outside the workspace"):
            confine(ws, bad, eligible)
    with pytest.raises(LeashError, match="git's or tether's own data"):
        confine(ws, ".git/config", eligible)
    with pytest.raises(LeashError, match="ignored .* or looks like it holds secrets"):
        confine(ws, ".env", eligible)
    with pytest.raises(GenerationError, match="not an existing file"):
        confine(ws, "pkg/new.py", eligible)


def test_test_ci_and_suppression_edits_are_flagged():
    assert is_test_path("tests/test_calc.py") and is_test_path("src/foo_test.go") and is_test_path("web/a.spec.ts")
    assert is_test_path("conftest.py") and not is_test_path("src/testing_utils_helper.py".replace("testing_", ""))
    assert is_ci_path(".github/workflows/ci.yml") and is_ci_path("tox.ini") and not is_ci_path("src/app.py")
    assert touches_tests(["a.py", "tests/t.py", ".gitlab-ci.yml"]) == ["tests/t.py", ".gitlab-ci.yml"]
    assert task_mentions_checks("Fix the failing test") and not task_mentions_checks("Add a mul function")
    base = "import os\n\n\ndef f(x):\n    return x\n"
    new = "import os  # noqa: F401\n\n\ndef f(x):  # type: ignore[no-untyped-def]\n    return x\n"
    flags = review_flags(build_file_change("src/f.py", base, new))
    assert len(flags) == 1 and "# noqa" in flags[0] and "# type: ignore" in flags[0]
    skipped = review_flags(
        build_file_change("tests/test_f.py", "def test_f():\n    pass\n", "import pytest\n\n\n@pytest.mark.skip\ndef test_f():\n    pass\n")
    )
    assert any("Edits tests" in f for f in skipped) and any("pytest.mark.skip" in f for f in skipped)
    # a suppression that was already there is not flagged again
    assert review_flags(build_file_change("src/f.py", new, new.replace("return x", "return x + 1"))) == []


def test_line_edits_apply_anywhere_the_schema_allows():
    text = "a = 1\nb = 2\nc = 3\n"
    schema = line_edit_schema(text)
    assert schema["properties"]["after_line"]["enum"] == [0, 1, 2, 3]
    LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    assert apply_line_edit(text, LineEdit(after_line=1, remove=1, insert="b = 20")) == "a = 1\nb = 20\nc = 3\n"
    assert apply_line_edit(text, LineEdit(after_line=0, remove=0, insert="import x\n")) == "import x\n" + text
    assert apply_line_edit(text, LineEdit(after_line=3, remove=3, insert="d = 4\n")) == text + "d = 4\n"
    assert apply_line_edit(text, LineEdit(after_line=2, remove=9, insert="")) == "a = 1\nb = 2\n"
    assert apply_line_edit("a\r\nb\r\n", LineEdit(after_line=1, remove=1, insert="x\ny\n")) == "a\r\nx\r\ny\r\n"
    assert apply_line_edit("a\nb", LineEdit(after_line=2, remove=0, insert="c")) == "a\nb\nc"
    with pytest.raises(GenerationError, match="past the end"):
        parse_line_edit('{"after_line": 9, "remove": 0, "insert": ""}', text)
    with pytest.raises(GenerationError, match="not an edit object"):
        parse_line_edit('{"after_line": 1, "insert": "x"}', text)
    with pytest.raises(GenerationError, match="elides existing code"):
        apply_line_edit(text, LineEdit(after_line=0, remove=3, insert="a = 1\n# ... rest unchanged\n"))
    with pytest.raises(GenerationError, match="cut off"):
        apply_line_edit(text, LineEdit(after_line=0, remove=0, insert="x"), truncated=True)


def test_python_edits_are_checked_by_pythons_own_parser_too():
    from tether.edits.validate import InvalidEditError, check_syntax

    with pytest.raises(InvalidEditError, match="line 1: expected an indented block"):
        check_syntax("m.py", "def f(a):\n    return 1\n", "def f(a):\n")  # tree-sitter accepts this
    check_syntax("m.py", 'print "py2"\n', 'print "still py2"\n')  # did not parse before: not the edit's fault
    check_syntax("m.py", "x = 1\n", "x = 2\n")
