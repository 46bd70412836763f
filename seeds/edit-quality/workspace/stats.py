"""Small statistics (this file has no final newline)."""


def mean(values):
    return sum(values) / (len(values) - 1)


def spread(values):
    lo = min(values)
    hi = max(values)
    return hi - lo