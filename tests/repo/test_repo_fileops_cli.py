"""`tether repo`, `tether proposals show/list/accept` and `tether undo` naming created, deleted and
renamed files the way git does, through the installed entry point on a SCRIPTED endpoint."""

from __future__ import annotations

import json
import subprocess

from tests.cli.conftest import run_tether
from tests.fixtures.openai_server import Reply
from tests.repo.helpers import APP, calc_repo

HELPERS = "def double(x):\n    return 2 * x\n"


def env_for(server) -> dict[str, str]:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    return {"TETHER_LEVEL": "repo", "TETHER_MODELS__ADV": json.dumps(slot), "TETHER_ROLES__EDIT": '["adv"]'}


def test_scripted_repo_cli_names_new_deleted_and_renamed_files_like_git(tmp_path, openai_server):
    root = calc_repo(tmp_path)
    env = env_for(openai_server)
    steps = [
        {"intent": "Add helpers", "files": [], "create": ["helpers.py"]},
        {"intent": "Drop app", "files": [], "delete": ["app.py"]},
        {"intent": "Move calc", "files": [], "rename": [{"from": "calc.py", "to": "arith.py"}]},
    ]
    openai_server.script(Reply(text=json.dumps({"steps": steps})), Reply(text=f"```python\n{HELPERS}```"))
    result = run_tether("-C", str(root), "repo", "-m", "Reorganise", "--max-steps", "3", env=env)
    assert result.returncode == 0, result.stderr
    assert "1. Add helpers  [new file: helpers.py]" in result.stderr
    assert "2. Drop app  [deleted file: app.py]" in result.stderr
    assert "3. Move calc  [renamed: calc.py -> arith.py]" in result.stderr
    assert "new file mode 100644\n--- /dev/null\n+++ b/helpers.py\n" in result.stdout
    assert "deleted file mode 100644\n" in result.stdout and "rename from calc.py\nrename to arith.py\n" in result.stdout
    check = subprocess.run(["git", "apply", "--check", "-"], input=result.stdout, cwd=root, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr  # the run's diff is a patch git applies

    listed = run_tether("-C", str(root), "proposals", "list", env=env).stdout
    assert "new file: helpers.py" in listed and "deleted file: app.py" in listed and "renamed: calc.py -> arith.py" in listed
    ids = {kind: line.split()[0] for line in listed.splitlines() for kind in ("new file", "deleted", "renamed") if kind in line}
    shown = run_tether("-C", str(root), "proposals", "show", ids["deleted"], "--json", env=env)
    data = json.loads(shown.stdout)
    assert data["files"][0]["op"] == "delete" and data["files"][0]["old_path"] is None

    accepted = run_tether("-C", str(root), "proposals", "accept", ids["renamed"], env=env)
    assert accepted.returncode == 0, accepted.stderr
    assert "renamed: calc.py -> arith.py" in accepted.stdout and (root / "arith.py").exists()
    undo = run_tether("-C", str(root), "undo", env=env)
    assert undo.returncode == 0 and "calc.py (renamed back from arith.py)" in undo.stdout
    assert not (root / "arith.py").exists() and (root / "app.py").read_text() == APP
