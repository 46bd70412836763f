from __future__ import annotations

import pytest

from tether.errors import LeashError
from tether.slider import DEFAULT_LIMITS, Level, check_changes, check_level


def test_levels_are_ordered():
    assert Level.COMPLETE < Level.SELECTION < Level.FILE < Level.REPO
    assert Level.FILE <= Level.FILE


def test_requests_above_the_ceiling_are_refused_with_the_way_out():
    check_level(Level.SELECTION, Level.FILE)
    with pytest.raises(LeashError, match=r"above the allowed autonomy level \(max_level = 'file'\).*TETHER_MAX_LEVEL"):
        check_level(Level.REPO, Level.FILE)


def test_limits_refuse_too_many_files_or_lines():
    limits = DEFAULT_LIMITS[Level.SELECTION]
    check_changes(Level.SELECTION, limits, 1, limits.max_changed_lines)
    with pytest.raises(LeashError, match="changes 2 files"):
        check_changes(Level.SELECTION, limits, 2, 1)
    with pytest.raises(LeashError, match=f"allows {limits.max_changed_lines}"):
        check_changes(Level.SELECTION, limits, 1, limits.max_changed_lines + 1)
