def add(a, b):
    return a + b


def subtract(a, b):
    return a - b


def multiply(a, b):
    result = 0
    for _ in range(b):
        result = add(result, a)
    return result


def divide(a, b):
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b
