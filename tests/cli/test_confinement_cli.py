"""Bug cases 12, 22 and 33 through the installed `tether`: nothing from outside the workspace, no crash on depth.

- 12: a committed symlink to a file outside the workspace is not followed by `tether digest`.
- 22: nor does its text reach a (SCRIPTED) model endpoint through the repo map of `tether edit`.
- 33: `tether digest` on a 1,100-deep folder chain lists the deep file instead of a RecursionError.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.conftest import git, make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

OUTSIDE_MARK = "OUTSIDE-CONTENT-7f3a"


def commit_link(repo: Path, name: str, target: str) -> None:
    (repo / name).symlink_to(target)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"link {name}")


def test_digest_never_prints_a_committed_symlink_to_a_file_outside(tether, tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "private.txt").write_text(f"{OUTSIDE_MARK}: this file is not part of the repository\n")
    repo = make_git_repo(tmp_path / "ws", {"app.py": 'print("hello")\n'})
    commit_link(repo, "notes.txt", "../outside/private.txt")
    commit_link(repo, "inside.txt", "app.py")  # a link that stays inside is still read
    result = tether("-C", str(repo), "digest")
    assert result.returncode == 0, result.stderr
    assert OUTSIDE_MARK not in result.stdout
    assert "FILE: app.py" in result.stdout and "FILE: inside.txt" in result.stdout
    assert result.stderr.count("not reading notes.txt") == 1  # said once, on stderr
    assert "notes.txt  (link outside the workspace, no content)" in result.stdout  # named, never read


def test_digest_of_a_1100_deep_folder_chain_lists_the_leaf(tether, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "top.py").write_text("def top():\n    return 0\n")
    folders = [root]
    for _ in range(1100):  # one mkdir at a time: mkdir -p recurses
        folders.append(folders[-1] / "d")
        folders[-1].mkdir()
    (folders[-1] / "leaf.py").write_text("def leaf():\n    return 1\n")
    try:
        result = tether("-C", str(root), "digest", "--json", timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        data = json.loads(result.stdout)
        listed = data["included"] + list(data["skipped"]) + data["omitted"]
        assert "top.py" in listed and "d/" * 1100 + "leaf.py" in listed
    finally:  # shutil.rmtree recurses on Python 3.11: pytest's own clean-up would die on the chain
        chain = set(folders)
        for folder in reversed(folders):
            for child in folder.iterdir():
                if child.is_dir() and child not in chain:  # shallow: the repo map cache under .tether/
                    shutil.rmtree(child)
                elif not child.is_dir():
                    child.unlink()
            folder.rmdir()


def env_for(server: ScriptedOpenAIServer) -> dict[str, str]:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    return {"TETHER_MODELS__SCRIPTED": json.dumps(slot), "TETHER_ROLES__EDIT": '["scripted"]'}


@pytest.mark.parametrize("link", ["file", "chain", "folder"])
def test_scripted_edit_never_sends_a_symlinked_outside_file_to_the_model(tether, tmp_path: Path, openai_server, link: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret_mod.py").write_text('def outside_helper_zq9():\n    return "OUTSIDE-MARKER-91c2"\n')
    util = "from helpers import outside_helper_zq9\n\n\ndef shout(s):\n    return outside_helper_zq9() + s.upper()\n"
    repo = make_git_repo(tmp_path / "ws", {"pkg/util.py": util})
    if link == "file":
        commit_link(repo, "helpers.py", "../outside/secret_mod.py")
    elif link == "chain":
        commit_link(repo, "hop.py", "../outside/secret_mod.py")
        commit_link(repo, "helpers.py", "hop.py")
    else:  # a committed folder swapped for a link out: git still lists the file under it
        (repo / "lib").mkdir()
        (repo / "lib" / "helpers.py").write_text("def outside_helper_zq9():\n    return 1\n")
        git(repo, "add", "lib")
        git(repo, "commit", "-q", "-m", "lib")
        (repo / "lib" / "helpers.py").unlink()
        (repo / "lib").rmdir()
        (repo / "lib").symlink_to(outside)
        (outside / "helpers.py").write_text((outside / "secret_mod.py").read_text())
    new_util = util.replace("s.upper()", 's.upper() + "!"')
    openai_server.script(Reply(text=f"```python\n{new_util}```"))
    args = ["edit", "pkg/util.py", "-m", "Make shout call outside_helper_zq9 and add an exclamation mark"]
    result = tether("-C", str(repo), *args, env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    posts = openai_server.posts("/chat/completions")
    assert posts
    assert all("OUTSIDE-MARKER-91c2" not in json.dumps(post.body) for post in posts)
    assert '+    return outside_helper_zq9() + s.upper() + "!"' in result.stdout
