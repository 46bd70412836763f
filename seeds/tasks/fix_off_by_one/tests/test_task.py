from lists import last_n


def test_last_n():
    assert last_n([1, 2, 3, 4], 2) == [3, 4]
    assert last_n([1, 2, 3], 3) == [1, 2, 3]
