import app
import users


def test_renamed():
    assert users.get_user(7)["id"] == 7
    assert not hasattr(users, "get_usr")
    assert app.show(3) == "user3"
