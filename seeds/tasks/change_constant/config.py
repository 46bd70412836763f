DEFAULT_TIMEOUT = 10
RETRIES = 3


def settings():
    return {"timeout": DEFAULT_TIMEOUT, "retries": RETRIES}
