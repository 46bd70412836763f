def get_usr(user_id):
    return {"id": user_id, "name": f"user{user_id}"}
