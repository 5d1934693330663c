"""Pickles for the fast-path differential test: many shapes of plain data,
written by CPython's C pickler, its pure-Python pickler, and
pickletools.optimize, at every protocol. Prints one hex pickle per line."""
import io
import pickle
import pickletools
import sys


def values():
    shared = [1, 2]
    yield shared
    yield [shared, shared]
    yield {"a": shared, "b": shared}
    for n in (0, 1, 2, 3, 4, 999, 1000, 1001, 2000, 2001):
        yield list(range(n))
        yield {f"k{i}": i for i in range(n)}
        yield [(i, str(i)) for i in range(n)]
    yield []
    yield [[]]
    yield [[], 1]
    yield [[1], 2]
    yield [[1], (2, 3)]
    yield ([], 5)
    yield ([1], 5)
    yield ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4))
    yield [(1, 2, 3, 4), [5]]
    yield {"x": [], "y": {}, "z": ()}
    yield {"V": 1}
    yield {"V": (1, 2)}
    yield {"V": {"a": 1}}
    yield "V"
    yield [None, True, False, 0, -1, 255, 256, 65535, 65536, -(2**31), 2**31 - 1, 2**31, 2**63 - 1, -(2**63)]
    yield [2**64, -(2**64), 2**200]
    yield [0.0, -0.0, 1.5, float("inf"), float("-inf"), 1e300]
    yield ["", "a", "a", "é", "é", "€", "😀", "x" * 300, "y" * 70000]
    yield [b"", b"a", b"\x00\xff", b"z" * 300]
    yield [bytearray(b"ab")]
    yield {1, 2, 3}
    yield frozenset({1, 2})
    yield [{1}, frozenset()]
    yield {1: "a", 2: "b"}
    yield {(1, 2): "t"}
    yield [[[[[[1]]]]]]
    yield [{"id": i, "name": f"n{i}", "tags": ["a", f"t{i}"], "score": i / 3} for i in range(1500)]
    # A str fetched from the memo again (checked for UTF-8 once, where it is
    # put), a memoized key that is no UTF-8, records with bools.
    s = "shared"
    yield [s, s, s]
    yield [{"\ud800": 1}, {"\ud800": 2}]
    yield [{"k": i, "flag": i % 2 == 0} for i in range(5)]
    yield 5
    yield None
    yield (1, [2, (3, {4: 5})])


def dumps_py(v, p):
    f = io.BytesIO()
    pickle._Pickler(f, p).dump(v)
    return f.getvalue()


for v in values():
    for p in range(6):
        c = pickle.dumps(v, p)
        for data in (c, pickletools.optimize(c), dumps_py(v, p)):
            sys.stdout.write(data.hex() + "\n")
