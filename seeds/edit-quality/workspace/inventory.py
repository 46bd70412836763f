"""A tiny in-memory inventory."""


class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, name):
        self.items[name] = self.items.get(name, 0) + 1

    def remove(self, name, count=1):
        left = self.items.get(name, 0) - count
        if left < 0:
            raise ValueError("not enough " + name)
        self.items[name] = left

    def total(self):
        names = list(self.items)
        result = 0
        for i in range(len(names) - 1):
            result += self.items[names[i]]
        return result

    def names(self):
        return sorted(self.items)


def restock(inventory, names):
    for n in names:
        inventory.add(n)
    return inventory
