from people import is_adult


def test_is_adult():
    assert is_adult(18)
    assert is_adult(30)
    assert not is_adult(17)
