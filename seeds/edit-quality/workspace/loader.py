"""Settings loader (this file starts with a byte order mark)."""

DEFAULT_PATH = "settings.json"
TIMEOUT = 30


def load(path=DEFAULT_PATH):
    import json

    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
