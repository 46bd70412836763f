import inspect

import volume


def test_uses_clamp():
    assert volume.set_volume(150) == 100
    assert volume.set_volume(-5) == 0
    assert volume.set_volume(40) == 40
    assert "clamp(" in inspect.getsource(volume)
