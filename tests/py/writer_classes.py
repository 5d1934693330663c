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


class Tagged(list):
    """A list subclass: NEWOBJ (cls.__new__) makes it, object.__new__ refuses."""


class NeedsArgs:
    """A class whose __new__ wants an argument, as a __getnewargs_ex__ class's
    may: object.__new__ (copyreg._reconstructor) makes it, NEWOBJ without
    arguments does not."""

    def __new__(cls, x):
        return super().__new__(cls)

    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        return type(other) is NeedsArgs and other.__dict__ == self.__dict__
