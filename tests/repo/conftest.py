"""Fixtures for the repo agent tests (helpers live in tests/repo/helpers.py)."""

from pathlib import Path

import pytest
from tests.repo.helpers import calc_repo as _calc_repo


@pytest.fixture
def calc_repo(tmp_path: Path) -> Path:
    return _calc_repo(tmp_path)
