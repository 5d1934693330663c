"""Classes and factories for tests/interop/transcode.rs and tests/interop/pickletool.rs
("Python's world"): CPython pickles instances of these, our library reads the
pickle into a `Value` and writes it back, and CPython must load the result to
an object of the same type, equal, with the same identity structure.

`judge.py` (the judge) imports this module; pickles made from these
objects name the classes as `objects.<Name>`.
"""
import collections
import dataclasses
import datetime
import enum
import typing


# ---------------------------------------------------------------------------
# Classes of every kind
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class Point:
    """Also the class that Rust writes with `py::Instance` (same field order)."""
    x: int
    y: int


@dataclasses.dataclass
class Line:
    start: Point
    end: Point
    tags: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class FrozenPoint:
    x: float
    y: str


@dataclasses.dataclass
class Record:
    """What tests/interop/transcode.rs writes from the Rust struct `Record`."""
    name: str
    score: float
    tags: list
    origin: Point
    note: typing.Optional[str] = None


@dataclasses.dataclass
class Empty:
    pass


class Plain:
    def __init__(self, **attrs):
        self.__dict__.update(attrs)


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b=None):
        self.a = a
        if b is not None:
            self.b = b


class SlottedWithDict:
    __slots__ = ("a", "__dict__")

    def __init__(self, a, **attrs):
        self.a = a
        self.__dict__.update(attrs)


class TupleState:
    """__getstate__/__setstate__ with a state that is not a dict."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __getstate__(self):
        return (self.x, self.y)

    def __setstate__(self, state):
        self.x, self.y = state


class DictState:
    """__getstate__/__setstate__ with a dict state that differs from __dict__."""

    def __init__(self, v):
        self.v = v
        self.cache = "not pickled"

    def __getstate__(self):
        return {"value": self.v}

    def __setstate__(self, state):
        self.v = state["value"]
        self.cache = "rebuilt"


class Reduced:
    """__reduce__ to the class with constructor arguments."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def __reduce__(self):
        return (Reduced, (self.a, self.b))


class KwOnly:
    """__getnewargs_ex__: NEWOBJ_EX at protocol 4+, copyreg.__newobj_ex__ before."""

    def __new__(cls, a, *, b):
        self = super().__new__(cls)
        self.a, self.b = a, b
        return self

    def __getnewargs_ex__(self):
        return (self.a,), {"b": self.b}


class Color(enum.Enum):
    RED = 1
    GREEN = "green"
    BLUE = (0, 0, 255)


class Prio(enum.IntEnum):
    LOW = 1
    HIGH = 10


class Perm(enum.Flag):
    R = 4
    W = 2
    X = 1


class Pair(typing.NamedTuple):
    a: int
    b: str


Triple = collections.namedtuple("Triple", "x y z")


class MyList(list):
    pass


class MyDict(dict):
    pass


class Outer:
    class Inner:
        def __init__(self, v):
            self.v = v


# ---------------------------------------------------------------------------
# Sharing and cycles
# ---------------------------------------------------------------------------

def shared_list():
    x = [1]
    return [x, x]


def shared_everywhere():
    s = [1, 2]
    d = {"k": s}
    return [s, s, d, d, (s,), {"again": d}]


def shared_instance():
    p = Point(1, 2)
    return [p, p, Line(p, p)]


def shared_in_state():
    inner = [1]
    return Plain(a=inner, b=inner)


def shared_tuple():
    t = ([1], "t")
    return {"first": t, "second": t}


def shared_set_and_bytearray():
    s = {1, 2}
    b = bytearray(b"xy")
    return [s, b, s, b]


def self_list():
    l = [1]
    l.append(l)
    return l


def self_dict():
    d = {"a": 1}
    d["self"] = d
    return d


def tuple_cycle():
    """A tuple that contains a list containing the tuple."""
    l = []
    t = (l, 2)
    l.append(t)
    return t


def mutual_lists():
    a, b = [], []
    a.append(b)
    b.append(a)
    return [a, b]


def self_instance():
    p = Plain(n=1)
    p.me = p
    return p


def self_dataclass():
    p = Point(1, None)
    p.y = p
    return p


def self_ordered_dict():
    d = collections.OrderedDict(a=1)
    d["me"] = d
    return d


def self_deque():
    d = collections.deque([1])
    d.append(d)
    return d


def instance_cycle_through_list():
    p = Plain()
    p.children = [Plain(parent=p)]
    return p


def named_tuple_cycle():
    l = []
    t = Pair(1, "x")
    l.append(t)
    return [t, l, l]


def default_dict():
    d = collections.defaultdict(list)
    d["a"].append(1)
    d["b"]
    return d


def make_deque(maxlen=None):
    return collections.deque([1, "two", 3.0], maxlen=maxlen)


# ---------------------------------------------------------------------------
# The classes of the reference corpus (tests/data/corpus), which were pickled
# from `__main__`: `install_corpus_classes` puts them there.
# ---------------------------------------------------------------------------

def _corpus_classes():
    @dataclasses.dataclass
    class Point:
        x: int
        y: int

    @dataclasses.dataclass(frozen=True)
    class FrozenPoint:
        x: int
        y: int

    class Color(enum.Enum):
        RED = 1
        GREEN = "green"

    class Prio(enum.IntEnum):
        LOW = 10

    class Perm(enum.Flag):
        R = 4
        W = 2

    Pair = collections.namedtuple("Pair", "a b")

    class Plain:
        def __init__(self):
            self.a = 1
            self.b = "two"
            self.c = [3.0]

    class Slotted:
        __slots__ = ("a", "b")

    class WithGetState:
        def __getstate__(self):
            return {"x": self.x, "extra": "state"}

        def __setstate__(self, st):
            self.x = st["x"]

    class WithNewArgsEx:
        def __new__(cls, a, *, b):
            o = super().__new__(cls)
            o.a, o.b = a, b
            return o

        def __getnewargs_ex__(self):
            return (self.a,), {"b": self.b}

    class MyList(list):
        pass

    class MyDict(dict):
        pass

    class MyInt(int):
        pass

    class ReduceToFunc:
        pass

    def make_thing(a, b):
        return {"made": a, "n": b}

    class StateSetter:
        pass

    def set_state(obj, state):
        obj.v = state["v"]

    class OldStyle:
        pass

    class NewStyle:
        pass

    return {k: v for k, v in locals().items()}


def install_corpus_classes(module):
    for name, obj in _corpus_classes().items():
        obj.__module__ = module.__name__
        if hasattr(obj, "__qualname__"):
            obj.__qualname__ = name
        setattr(module, name, obj)
