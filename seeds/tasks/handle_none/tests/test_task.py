from text import length


def test_length():
    assert length("abc") == 3
    assert length(None) == 0
