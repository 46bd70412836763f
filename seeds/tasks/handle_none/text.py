def length(s):
    return len(s)
