import config


def test_timeout():
    assert config.DEFAULT_TIMEOUT == 30
    assert config.settings() == {"timeout": 30, "retries": 3}
