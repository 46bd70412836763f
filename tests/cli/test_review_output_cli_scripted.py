"""Output made for review (issue 15, item 1), through the installed entry point on a SCRIPTED endpoint.

Real git repositories, a real docs index, real journals: `tether edit` and `tether proposals show`
name each hunk (id, lines in the file now, state) and the sources the model saw, docs pages with
their headings, while stdout stays the plain diff; repo runs' proposals carry their run id and
step, are listed under their run and rejected in bulk (`reject --run`, `reject --all`), and
decided ones cleared; `tether undo` sees a file the person already reverted, and `--forget`
drops an entry without touching files.
"""

from __future__ import annotations

import json

from tests.cli.test_repo_cli import MUL, TASK, plan
from tests.cli.test_repo_cli import env_for as repo_env
from tests.conftest import git, make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer
from tests.repo.helpers import CALC, calc_repo

CODE = (
    "from ferry import Queue, Backoff\n\nqueue = Queue('sqlite:///ferry.db')\n\n\n"
    "@queue.job(retries=3)\ndef call_partner_api(order_id: int) -> None:\n    partner.post(order_id)\n"
)
REPLY = "@queue.job(retries=8, backoff=Backoff(base=2))\ndef call_partner_api(order_id: int) -> None:\n    partner.post(order_id)\n"
NOTES = {  # three pages, so the retrieval's term weights tell the relevant one apart
    "notes/backoff.md": "# Team notes\n\n## Backoff policy\n\nUse exponential backoff with jitter for partner calls.\n",
    "notes/deploy.md": "# Deploy\n\n## Releases\n\nTag a release and push the wheel to the index.\n",
    "notes/logging.md": "# Logging\n\n## Levels\n\nUse info for requests and debug for payloads.\n",
}


def env_for(server: ScriptedOpenAIServer) -> dict[str, str]:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    return {"TETHER_MODELS__ADV": json.dumps(slot), "TETHER_ROLES__EDIT": '["adv"]', "TETHER_ROLES__COMPLETE": '["adv"]'}


def source_text(source: dict) -> str:
    """How the plain review names a source, built from the JSON record of it."""
    if source["kind"] == "docs":
        return f"docs: {source['url'] or source['path']} — {source['heading']}"
    where = source["path"] or source["kind"]
    if source["start_line"] is not None:
        where += f":{source['start_line']}-{source['end_line']}"
    return f"{source['kind']}: {where}"


def test_scripted_edit_and_show_name_hunk_ids_lines_states_and_the_sources_seen(tether, tmp_path, openai_server):
    ws = make_git_repo(tmp_path / "ws", {"tasks.py": CODE, **NOTES})
    env = env_for(openai_server)
    added = tether("-C", str(ws), "docs", "add", "notes", env=env)
    assert added.returncode == 0, added.stderr
    openai_server.script(Reply(text=REPLY))
    made = tether("-C", str(ws), "edit", "tasks.py", "--lines", "6-8", "-m", "use exponential backoff with jitter", env=env)
    assert made.returncode == 0, made.stderr
    [proposal] = json.loads(tether("-C", str(ws), "proposals", "list", "--json").stdout)
    [hunk] = proposal["files"][0]["hunks"]
    assert made.stdout == proposal["diff"] and made.stdout.startswith("--- a/tasks.py\n")  # stdout: the diff alone
    assert f"  {hunk['id']}  tasks.py  lines 6  pending" in made.stderr, made.stderr
    docs = [s for s in proposal["sources"] if s["kind"] == "docs"]
    assert docs and any(s["heading"].endswith("Backoff policy") for s in docs)
    assert f"Sources the model saw ({len(proposal['sources'])}):" in made.stderr
    for source in proposal["sources"]:
        assert source_text(source) in made.stderr, (source, made.stderr)
    assert "Proposal " in made.stderr and "1 line added, 1 removed" in made.stderr

    (ws / "tasks.py").write_text("# typed\n# while reviewing\n" + CODE)
    shown = tether("-C", str(ws), "proposals", "show", proposal["id"][:6])
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == proposal["diff"]
    assert f"  {hunk['id']}  tasks.py  lines 8  pending" in shown.stderr and "1 hunk (lines now, 1-based):" in shown.stderr
    assert all(source_text(s) in shown.stderr for s in proposal["sources"])
    data = json.loads(tether("-C", str(ws), "proposals", "show", proposal["id"], "--json").stdout)
    assert data["files"][0]["hunks"][0]["at"] == {"start": 7, "end": 8} and data["sources"] == proposal["sources"]
    assert data["run_id"] is None and data["step"] is None  # an edit belongs to no run

    (ws / "tasks.py").write_text("# typed\n# while reviewing\n" + CODE.replace("retries=3", "retries=4"))
    shown = tether("-C", str(ws), "proposals", "show", proposal["id"])
    assert f"  {hunk['id']}  tasks.py  lines 8  conflict" in shown.stderr and "--take-proposal" in shown.stderr
    assert json.loads(tether("-C", str(ws), "proposals", "show", proposal["id"], "--json").stdout)["files"][0]["hunks"][0]["status"] == (
        "conflict"
    )


def test_scripted_repo_proposals_are_listed_by_run_and_rejected_by_run_or_all_then_cleared(tether, tmp_path, openai_server):
    root = calc_repo(tmp_path)
    env = repo_env(openai_server)
    runs = []
    for _ in range(2):
        openai_server.script(plan("calc.py"), Reply(text=MUL))
        done = tether("-C", str(root), "repo", "-m", TASK, "--json", env=env)
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(done.stdout))
    first, second = (r["id"] for r in runs)
    listed = json.loads(tether("-C", str(root), "proposals", "list", "--json", env=env).stdout)
    assert [(p["run_id"], p["step"], p["step_intent"]) for p in listed] == [(first, 1, "Edit calc.py"), (second, 1, "Edit calc.py")]
    text = tether("-C", str(root), "proposals", "list", env=env).stdout.splitlines()
    ids = [p["id"] for p in listed]
    assert text[0] == f"run {first}  1 proposal  — {TASK[:60]}" and text[2] == f"run {second}  1 proposal  — {TASK[:60]}"
    assert text[1].startswith(f"  {ids[0]}  pending") and text[1].endswith("1 hunk  calc.py  — step 1: Edit calc.py")
    shown = tether("-C", str(root), "proposals", "show", ids[1], env=env)
    assert f"  run {second} step 1: Edit calc.py" in shown.stderr
    journal = root / ".tether" / "proposals" / f"{ids[0]}.json"  # as journaled before proposals recorded their run
    old = {k: v for k, v in json.loads(journal.read_text()).items() if k not in ("run_id", "step", "step_intent")}
    journal.write_text(json.dumps(old))
    assert tether("-C", str(root), "proposals", "list", env=env).stdout.splitlines() == text  # found in the run journals
    coloured = tether("-C", str(root), "proposals", "list", env={**env, "FORCE_COLOR": "1", "COLUMNS": "200"})  # rich: as on a terminal
    assert "\x1b[" in coloured.stdout and f"run {first}" in coloured.stdout and all(i in coloured.stdout for i in ids)
    coloured = tether("-C", str(root), "proposals", "show", ids[1], env={**env, "FORCE_COLOR": "1", "COLUMNS": "200"})
    assert "\x1b[" in coloured.stdout and "+def mul(a, b):" in coloured.stdout and ids[1] in coloured.stderr

    assert tether("-C", str(root), "proposals", "reject", env=env).returncode == 3  # no ID, --all or --run
    assert tether("-C", str(root), "proposals", "reject", "--all", "--hunk", "x", env=env).returncode == 3
    by_run = tether("-C", str(root), "proposals", "reject", "--run", first[:8], env=env)
    assert by_run.returncode == 0, by_run.stderr
    assert by_run.stdout.endswith(f"Rejected 1 pending proposal of run {first[:8]}.\n")
    assert [p["id"] for p in json.loads(tether("-C", str(root), "proposals", "list", "--json", env=env).stdout)] == [ids[1]]
    every = json.loads(tether("-C", str(root), "proposals", "reject", "--all", "--json", env=env).stdout)
    assert [(p["id"], p["status"]) for p in every] == [(ids[1], "rejected")]
    assert tether("-C", str(root), "proposals", "list", env=env).stdout == ""

    cleared = json.loads(tether("-C", str(root), "proposals", "clear", "--json", env=env).stdout)
    assert cleared["action"] == "archive" and set(ids) <= set(cleared["proposals"])  # the runs' plan proposals too
    assert not {p["id"] for p in json.loads(tether("-C", str(root), "proposals", "list", "--all", "--json", env=env).stdout)} & set(ids)
    again = tether("-C", str(root), "proposals", "clear", env=env)
    assert again.returncode == 0 and "Archived 0 proposals decided" in again.stdout
    assert (root / "calc.py").read_text() == CALC


def test_scripted_undo_sees_a_file_reverted_by_hand_and_forget_drops_an_entry(tether, tmp_path, openai_server):
    root = make_git_repo(tmp_path / "r", {"calc.py": CALC})
    env = env_for(openai_server)
    openai_server.script(Reply(text=f"```python\n{MUL}```"))
    made = tether("-C", str(root), "edit", "calc.py", "-m", TASK, "--apply", "--json", env=env)
    assert made.returncode == 0, made.stderr
    proposal_id = json.loads(made.stdout)["id"]
    assert (root / "calc.py").read_text() == MUL

    git(root, "checkout", "--", "calc.py")  # the person reverts it with git
    undone = tether("-C", str(root), "undo", "--json", env=env)
    assert undone.returncode == 0, undone.stderr
    [data] = json.loads(undone.stdout)
    assert data["id"] == proposal_id and data["already_undone"] == ["calc.py"] and data["status"] == "pending"
    assert (root / "calc.py").read_text() == CALC

    accepted = tether("-C", str(root), "proposals", "accept", proposal_id, env=env)
    assert accepted.returncode == 0 and accepted.stdout.startswith("Applied 1 hunk to 1 file. ")
    git(root, "checkout", "--", "calc.py")
    undone = tether("-C", str(root), "undo", env=env)
    assert undone.stdout == f"Undid proposal {proposal_id}: calc.py already back at its base text (left as it is).\n"

    tether("-C", str(root), "proposals", "accept", proposal_id, env=env)
    mine = MUL.replace("a * b", "b * a")
    (root / "calc.py").write_text(mine)  # reverted some other way, or changed on: undo refuses
    refused = tether("-C", str(root), "undo", env=env)
    assert refused.returncode == 6 and f"tether undo --forget {proposal_id}" in refused.stderr
    forgot = tether("-C", str(root), "undo", "--forget", proposal_id[:6], env=env)
    assert forgot.returncode == 0, forgot.stderr
    assert forgot.stdout == f"Forgot proposal {proposal_id}: its applied hunks are marked rejected; no file was touched.\n"
    assert (root / "calc.py").read_text() == mine
    shown = json.loads(tether("-C", str(root), "proposals", "show", proposal_id, "--json", env=env).stdout)
    assert shown["status"] == "rejected"
    nothing = tether("-C", str(root), "undo", env=env)
    assert nothing.returncode == 9 and "No applied proposal" in nothing.stderr
    assert tether("-C", str(root), "undo", "--forget", proposal_id, env=env).returncode == 9


def test_scripted_undo_run_sees_the_file_back_at_the_runs_first_base(tether, tmp_path, openai_server):
    root = calc_repo(tmp_path)
    env = repo_env(openai_server)
    div = MUL + "\n\ndef div(a, b):\n    return a / b\n"
    openai_server.script(plan("calc.py", "calc.py"), Reply(text=MUL), Reply(text=div))
    done = tether("-C", str(root), "repo", "-m", TASK, "--apply", "--json", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["applied"] and [p["step"] for p in report["proposals"]] == [1, 2]
    assert (root / "calc.py").read_text() == div

    git(root, "checkout", "--", "calc.py")  # both steps reverted at once, by hand: the text is step 1's base
    undone = tether("-C", str(root), "undo", "--run", "--json", env=env)
    assert undone.returncode == 0, undone.stderr
    data = json.loads(undone.stdout)
    assert [(p["step"], p["already_undone"], p["status"]) for p in data] == [(2, ["calc.py"], "pending"), (1, ["calc.py"], "pending")]
    assert (root / "calc.py").read_text() == CALC


def test_scripted_undo_takes_the_newest_accept_and_keeps_edits_made_since(tether, tmp_path, openai_server):
    """README's order: an edit left pending, another applied, then the first accepted: undo reverts the
    first (the newest accept) and keeps the second's lines; the next undo reverts the second."""
    root = make_git_repo(tmp_path / "r", {"calc.py": CALC})
    env = env_for(openai_server)
    swapped = "def add(a, b):\n    return b + a\n"
    openai_server.script(Reply(text=f"```python\n{swapped}```"))
    first = tether("-C", str(root), "edit", "calc.py", "--lines", "1-2", "-m", "Swap the operands.", "--json", env=env)
    assert first.returncode == 0, first.stderr
    openai_server.script(Reply(text=f"```python\n{MUL}```"))
    second = tether("-C", str(root), "edit", "calc.py", "-m", TASK, "--apply", "--json", env=env)
    assert second.returncode == 0, second.stderr
    first_id, second_id = json.loads(first.stdout)["id"], json.loads(second.stdout)["id"]
    assert tether("-C", str(root), "proposals", "accept", first_id, env=env).returncode == 0
    assert (root / "calc.py").read_text() == MUL.replace("    return a + b\n", "    return b + a\n")

    undone = tether("-C", str(root), "undo", env=env)
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout == f"Undid proposal {first_id}: restored calc.py.\n" and (root / "calc.py").read_text() == MUL
    undone = tether("-C", str(root), "undo", env=env)
    assert undone.stdout == f"Undid proposal {second_id}: restored calc.py.\n" and (root / "calc.py").read_text() == CALC
