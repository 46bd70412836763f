"""`tether proposals prune` through the installed entry point, on a real journal in a tmp workspace.

Decided proposals (done, rejected, empty) older than DAYS are archived (or deleted with
--delete); pending, partial and in-flight ones never. With the default setting
(proposals.archive_after_days = 7) any command archives decided proposals older than a week.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tests.cli.conftest import run_tether
from tests.unit.test_store_journal import DONE, PARTIAL, REJECTED, age, in_flight, make

from tether.proposals import Proposal
from tether.slider import Level
from tether.store import ProposalStore

NO_AUTO = {"TETHER_PROPOSALS__ARCHIVE_AFTER_DAYS": "0"}


def journal_of(tmp_path: Path) -> tuple[Path, Path, dict[str, Proposal]]:
    root = tmp_path / "ws"
    root.mkdir()
    folder = root / ".tether" / "proposals"
    store = ProposalStore(folder)
    made = {
        "old done": store.save(make("old done", DONE)),
        "old rejected": store.save(make("old rejected", REJECTED)),
        "old empty": store.save(Proposal(level=Level.FILE, instruction="old empty")),
        "new done": store.save(make("new done", DONE)),
        "old pending": store.save(make("old pending")),
        "old partial": store.save(make("old partial", PARTIAL)),
        "old writing": store.save(in_flight(make("old writing", DONE))),  # this test process: alive
    }
    for name, proposal in made.items():
        age(folder, proposal.id, 1 if name == "new done" else 30)
    return root, folder, made


def live(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.json") if p.name != "index.json"}


def prune(root: Path, *args: str, env: dict | None = None) -> dict:
    done = run_tether("-C", str(root), "proposals", "prune", "--json", *args, env=NO_AUTO if env is None else env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_prune_archives_old_decided_and_never_touches_pending(tmp_path):
    root, folder, made = journal_of(tmp_path)
    ids = {name: p.id for name, p in made.items()}
    old_decided = {ids["old done"], ids["old rejected"], ids["old empty"]}

    dry = prune(root, "--dry-run", "--older-than", "10")
    assert set(dry["proposals"]) == old_decided and dry["dry_run"] is True
    assert live(folder) == set(ids.values())  # nothing moved

    result = prune(root, "--older-than", "10")
    assert set(result["proposals"]) == old_decided and result["action"] == "archive"
    assert live(folder) == {ids["new done"], ids["old pending"], ids["old partial"], ids["old writing"]}
    assert {p.name for p in (folder / "archive").iterdir()} == {f"{i}.json.gz" for i in old_decided}
    assert json.loads(gzip.decompress((folder / "archive" / f"{ids['old done']}.json.gz").read_bytes()))["instruction"] == "old done"

    shown = run_tether("-C", str(root), "proposals", "show", ids["old done"], "--json", env=NO_AUTO)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["status"] == "done"  # an archived proposal can still be shown

    text = run_tether("-C", str(root), "proposals", "prune", "--all-decided", env=NO_AUTO)
    assert text.returncode == 0, text.stderr
    assert ids["new done"] in text.stdout and "Archived 1 proposal decided into" in text.stdout
    assert live(folder) == {ids["old pending"], ids["old partial"], ids["old writing"]}

    gone = prune(root, "--all-decided", "--delete")
    assert gone["proposals"] == [] and set(gone["archived_deleted"]) == old_decided | {ids["new done"]}
    assert list((folder / "archive").iterdir()) == []
    assert live(folder) == {ids["old pending"], ids["old partial"], ids["old writing"]}
    listed = run_tether("-C", str(root), "proposals", "list", "--json", env=NO_AUTO)
    assert {p["id"] for p in json.loads(listed.stdout)} == {ids["old pending"], ids["old partial"]}


def test_prune_defaults_to_the_setting_and_any_command_archives_by_it(tmp_path):
    root, folder, made = journal_of(tmp_path)
    ids = {name: p.id for name, p in made.items()}
    dry = prune(root, "--dry-run", env={"TETHER_PROPOSALS__ARCHIVE_AFTER_DAYS": "0.5"})
    assert dry["older_than_days"] == 0.5 and ids["new done"] in dry["proposals"]
    assert live(folder) == set(ids.values())

    listed = run_tether("-C", str(root), "proposals", "list")  # the default setting: 7 days
    assert listed.returncode == 0, listed.stderr
    assert live(folder) == {ids["new done"], ids["old pending"], ids["old partial"], ids["old writing"]}
    assert len(list((folder / "archive").iterdir())) == 3
