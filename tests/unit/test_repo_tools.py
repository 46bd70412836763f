"""The repo agent's read-only tools on a real git repository: eligibility, redaction, the map."""

from __future__ import annotations

import pytest
from tests.conftest import make_git_repo

from tether.config import load_settings
from tether.engine import Engine
from tether.errors import InputError
from tether.ops.repo_tools import RepoTools

FILES = {
    "calc.py": "def add(a, b):\n    return a + b\n\n\nclass Stack:\n    def push(self, item):\n        pass\n",
    "app.py": 'from calc import add\n\nAPI_KEY = "sk-live0123456789abcdefghijklmnop"\n\n\ndef total(xs):\n    return add(*xs)\n',
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    ".gitignore": "build/\n",
}


@pytest.fixture
def tools(tmp_path):
    root = make_git_repo(tmp_path / "ws", FILES)
    (root / ".env").write_text("TOKEN=secret\n")
    (root / "build").mkdir()
    (root / "build" / "out.py").write_text("x = 1\n")
    return RepoTools(Engine(load_settings(root, env={}), root))


def test_tools_list_and_read_only_eligible_files(tools):
    assert tools.list_files() == [".gitignore", "app.py", "calc.py", "tests/test_calc.py"]
    assert tools.read_file("calc.py").startswith("def add")
    for hidden in (".env", "build/out.py", "../x.py"):
        with pytest.raises(InputError, match="not a file tether may read"):
            tools.read_file(hidden)


def test_search_is_redacted_and_finds_files_the_task_mentions(tools):
    hits = tools.search_files(r"API_KEY")
    assert hits == [("app.py", 3, 'API_KEY = "[REDACTED]"')]
    assert tools.files_mentioning("Make `total` use add() twice") == ["app.py"]
    assert tools.files_mentioning("In calc.py, make `total` faster")[:2] == ["calc.py", "app.py"]
    assert tools.files_mentioning("Rename the class") == []
    with pytest.raises(InputError, match="Bad search pattern"):
        tools.search_files("(")


async def test_repo_map_lists_definitions_code_first_tests_last_within_budget(tools):
    text = await tools.repo_map("Change add in calc.py", max_tokens=2000)
    lines = text.splitlines()
    assert lines[0] == "calc.py:" and "    def add(a, b):" in lines
    assert any(line.startswith("        def push") for line in lines)  # methods under their class
    assert lines.index("tests/test_calc.py:") > lines.index("app.py:")
    assert "sk-live" not in text
    short = await tools.repo_map("Change add", max_tokens=12)
    assert "more files:" in short
