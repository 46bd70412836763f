"""One definition of a line, through the installed `tether` and a SCRIPTED model (bug case 02).

A line ends at \\n, \\r\\n or \\r only (LSP 3.17); form feed and U+2028 are characters inside a
line, as git and editors count. ``--lines 5-5`` must send the fifth such line to the model,
change only that line, and print a diff ``git apply`` accepts, in a real git repository.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.conftest import git, make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

# Case 02's input: 5 lines for git and editors (str.splitlines counts 7).
MOD = "import os\nSEP = \"a\u2028b\"\n\x0c\ndef greet():\n    return 'hi'\n"
EXPECTED = MOD.replace("return 'hi'", "return 'hello'")
EXPECTED_DIFF = (
    "--- a/mod.py\n+++ b/mod.py\n@@ -2,4 +2,4 @@\n SEP = \"a\u2028b\"\n \x0c\n def greet():\n-    return 'hi'\n+    return 'hello'\n"
)


def env_for(server: ScriptedOpenAIServer) -> dict[str, str]:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    return {"TETHER_MODELS__SCRIPTED": json.dumps(slot), "TETHER_ROLES__EDIT": '["scripted"]'}


def fenced(code: str) -> Reply:
    return Reply(text=f"```python\n{code}```")


def selected_code(prompt: str) -> str:
    match = re.search(r"Selected code from [^\n]*:\n(`{3,})[^\n]*\n(.*?)\n\1", prompt, re.S)
    assert match, prompt
    return match.group(2)


def git_apply_check(repo: Path, diff: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "apply", "--check", str(diff)], cwd=repo, capture_output=True, text=True)


def test_scripted_form_feed_and_u2028_do_not_shift_line_numbers(tether, tmp_path, openai_server):
    repo = make_git_repo(tmp_path / "ws", {"mod.py": MOD})
    openai_server.script(fenced("    return 'hello'\n"))
    out = tmp_path / "p.diff"
    args = ["edit", "mod.py", "--lines", "5-5", "-m", "Return hello instead", "--apply", "--output", str(out)]
    result = tether("-C", str(repo), *args, env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    prompt = openai_server.posts("/chat/completions")[0].body["messages"][-1]["content"]
    assert selected_code(prompt) == "    return 'hi'"  # the 5th line, not the empty rest of the form feed line
    assert len(openai_server.posts("/chat/completions")) == 1
    assert (repo / "mod.py").read_bytes().decode("utf-8") == EXPECTED
    assert out.read_bytes().decode("utf-8") == EXPECTED_DIFF
    git(repo, "checkout", "-q", "--", "mod.py")
    check = git_apply_check(repo, out)
    assert check.returncode == 0, check.stderr


def test_scripted_diff_of_a_form_feed_file_without_final_newline_applies(tether, tmp_path, openai_server):
    # The "\ No newline at end of file" marker belongs to the real last line only, never to a
    # line that ends in a form feed.
    text = "a = 1\n\x0c\nb = 2\n\x0c\nc = 3"
    repo = make_git_repo(tmp_path / "ws", {"mod.py": text})
    openai_server.script(fenced("b = 20\n"))
    out = tmp_path / "p.diff"
    args = ["edit", "mod.py", "--lines", "3-3", "-m", "Make b twenty", "--apply", "--output", str(out)]
    result = tether("-C", str(repo), *args, env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    prompt = openai_server.posts("/chat/completions")[0].body["messages"][-1]["content"]
    assert selected_code(prompt) == "b = 2"
    assert (repo / "mod.py").read_bytes().decode("utf-8") == text.replace("b = 2", "b = 20")
    diff = out.read_bytes().decode("utf-8")
    assert diff.count("\\ No newline at end of file") == 1 and diff.endswith(" c = 3\n\\ No newline at end of file\n")
    git(repo, "checkout", "-q", "--", "mod.py")
    check = git_apply_check(repo, out)
    assert check.returncode == 0, check.stderr


def test_scripted_crlf_file_with_form_feed_keeps_its_line_endings(tether, tmp_path, openai_server):
    text = "import os\r\n\x0c\r\ndef greet():\r\n    return 'hi'\r\n"
    repo = make_git_repo(tmp_path / "ws", {"mod.py": text.encode()})
    openai_server.script(fenced("    return 'hello'\n"))
    out = tmp_path / "p.diff"
    args = ["edit", "mod.py", "--lines", "4-4", "-m", "Return hello instead", "--apply", "--output", str(out)]
    result = tether("-C", str(repo), *args, env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    prompt = openai_server.posts("/chat/completions")[0].body["messages"][-1]["content"]
    assert selected_code(prompt) == "    return 'hi'"
    assert (repo / "mod.py").read_bytes() == text.replace("'hi'", "'hello'").encode()
    git(repo, "checkout", "-q", "--", "mod.py")
    check = git_apply_check(repo, out)
    assert check.returncode == 0, check.stderr
