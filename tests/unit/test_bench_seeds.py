"""The benches find their inputs in the source checkout, and say which flag to pass when they are not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether.bench.seeds import default_seed_folder, seed_folder
from tether.errors import InputError


@pytest.mark.parametrize("name, marker", [("edit-quality", "tasks.toml"), ("docs", "questions.json"), ("tasks", None)])
def test_the_checkout_holds_each_benchs_seeds(name, marker):
    folder = seed_folder(default_seed_folder(name), "--seeds")
    assert folder.is_dir() and (marker is None or (folder / marker).is_file())


def test_a_missing_seed_folder_names_the_flag_to_pass(tmp_path: Path):
    with pytest.raises(InputError, match="Pass --tasks FOLDER"):
        seed_folder(tmp_path / "not-here", "--tasks")
