def last_n(items, n):
    """The last n items of a list."""
    return items[len(items) - n - 1:]
