"""Text helpers (this file uses CRLF line endings)."""


def shout(text):
    return text.upper() + "!"


def initials(name):
    parts = name.split()
    return "".join(p[0] for p in parts)


def truncate(text, size):
    if len(text) < size:
        return text
    return text[:size] + "..."
