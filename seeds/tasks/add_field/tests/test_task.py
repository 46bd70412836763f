from point import Point


def test_z():
    assert Point(1, 2).to_tuple() == (1, 2, 0)
    assert Point(1, 2, 3).to_tuple() == (1, 2, 3)
