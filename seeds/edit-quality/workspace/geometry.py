"""Plane geometry helpers."""

import math

PI = math.pi


def circle_area(r):
    return PI * r * r


def rect_area(w, h):
    return w * h


def rect_perimeter(w, h):
    return 2 * w + h


def scale(points, factor):
    out = []
    for x, y in points:
        out.append((x * factor, y * factor))
    return out


class Shape:
    def __init__(self, name, sides):
        self.name = name
        self.sides = sides

    def describe(self):
        return self.name + " with " + str(self.sides) + " sides"
