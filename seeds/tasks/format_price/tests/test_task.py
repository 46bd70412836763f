from money import format_price


def test_format_price():
    assert format_price(1.5) == "$1.50"
    assert format_price(2) == "$2.00"
