import pytest

from bank import withdraw


def test_withdraw():
    assert withdraw(10, 3) == 7
    with pytest.raises(ValueError):
        withdraw(5, 10)
