"""Classes the Value tests in tests/writing/canonical_values.rs refer to by name."""
import collections
import enum


class Outer:
    class Inner:
        pass


Pair = collections.namedtuple("Pair", "a b")


class Color(enum.Enum):
    RED = 1
    GREEN = 2
