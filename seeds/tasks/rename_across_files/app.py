from users import get_usr


def show(user_id):
    user = get_usr(user_id)
    return user["name"]
