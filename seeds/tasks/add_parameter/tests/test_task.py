from greet import greet


def test_greet():
    assert greet("Ada") == "Hello, Ada!"
    assert greet("Ada", punctuation=".") == "Hello, Ada."
