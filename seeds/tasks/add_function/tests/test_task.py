from calc import add, mul, sub


def test_mul():
    assert mul(3, 4) == 12
    assert add(1, 1) == 2 and sub(3, 1) == 2
