from dataclasses import dataclass


@dataclass
class Point:
    x: float
    y: float

    def to_tuple(self):
        return (self.x, self.y)
