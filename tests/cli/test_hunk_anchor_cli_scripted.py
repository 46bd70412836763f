"""`tether proposals` with hunks that follow the file on disk (issue 17, item 1), SCRIPTED model.

The installed entry point on a real git repo: a two-hunk proposal; lines typed into the file
above both hunks move them (``show --json`` gives their place now) and accepting one writes it
at its new place, keeping the typing; an edit to the other hunk's own line makes it a conflict
that ``list`` and ``show`` name, that ``accept`` refuses (exit 6, file untouched) and that
``accept --take-proposal`` writes.
"""

from __future__ import annotations

import json

from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

BASE = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(8))
FIRST_OLD, FIRST_NEW = "    return x + 0\n", "    return x + 0  # zero\n"
SECOND_OLD, SECOND_NEW = "    return x + 7\n", "    return x + 7  # seven\n"
NEW = BASE.replace(FIRST_OLD, FIRST_NEW).replace(SECOND_OLD, SECOND_NEW)
TYPED = "# typed while reviewing\n# one more\n"


def env_for(server: ScriptedOpenAIServer) -> dict[str, str]:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    return {"TETHER_MODELS__ADV": json.dumps(slot), "TETHER_ROLES__EDIT": '["adv"]', "TETHER_ROLES__COMPLETE": '["adv"]'}


def places(data: dict) -> list[tuple[str, int, int]]:
    return [(h["status"], h["at"]["start"], h["at"]["end"]) for h in data["files"][0]["hunks"]]


def test_scripted_cli_hunks_follow_the_file_and_a_conflict_needs_take_proposal(tether, tmp_path, openai_server):
    repo = make_git_repo(tmp_path / "r", {"funcs.py": BASE})
    path = repo / "funcs.py"
    openai_server.script(Reply(text=f"```python\n{NEW}```"))
    made = tether("-C", str(repo), "edit", "funcs.py", "-m", "Comment the returns of f0 and f7.", "--json", env=env_for(openai_server))
    assert made.returncode == 0, made.stderr
    proposal = json.loads(made.stdout)
    first, second = (h["id"] for h in proposal["files"][0]["hunks"])

    path.write_text(TYPED + BASE)
    shown = tether("-C", str(repo), "proposals", "show", proposal["id"], "--json")
    assert shown.returncode == 0, shown.stderr
    assert places(json.loads(shown.stdout)) == [("pending", 3, 4), ("pending", 31, 32)]

    accepted = tether("-C", str(repo), "proposals", "accept", proposal["id"], "--hunk", first)
    assert accepted.returncode == 0, accepted.stderr
    assert path.read_text() == TYPED + BASE.replace(FIRST_OLD, FIRST_NEW)

    mine = path.read_text().replace(SECOND_OLD, "    return x * 2 + 7\n")
    path.write_text(mine)
    listed = tether("-C", str(repo), "proposals", "list")
    assert "2 hunks (1 in conflict)" in listed.stdout, listed.stdout
    shown = tether("-C", str(repo), "proposals", "show", proposal["id"])
    assert f"hunk {second} of funcs.py is in conflict" in shown.stderr and "--take-proposal" in shown.stderr
    assert shown.stdout == proposal["diff"]
    assert places(json.loads(tether("-C", str(repo), "proposals", "show", proposal["id"], "--json").stdout))[1] == ("conflict", 31, 32)

    refused = tether("-C", str(repo), "proposals", "accept", proposal["id"], "--hunk", second)
    assert refused.returncode == 6 and "you edited their lines" in refused.stderr and "--take-proposal" in refused.stderr
    assert path.read_text() == mine

    taken = tether("-C", str(repo), "proposals", "accept", proposal["id"], "--hunk", second, "--take-proposal")
    assert taken.returncode == 0, taken.stderr
    assert path.read_text() == TYPED + NEW
