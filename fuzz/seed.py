#!/usr/bin/env python3
"""Write a starting corpus of CPython pickles for both fuzz targets.

    python3 fuzz/seed.py        # fills fuzz/corpus/{from_slice_value,typed_roundtrip}

Every target takes one leading control byte before the pickle (see the
targets' doc comments); seeds are written with several control bytes each.
"""

import collections
import datetime
import decimal
import os
import pickle

HERE = os.path.dirname(os.path.abspath(__file__))

shared = [1, 2]
cyclic = []
cyclic.append(cyclic)

VALUES = [
    None, True, False, 0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31, 2**63 - 1, -2**63,
    2**64, -2**100, 0.0, -0.0, 1.5, float("inf"), float("nan"), 1 + 2j,
    "", "a", "é€𝄞", "x" * 300, b"", b"\x00\xff", b"y" * 300, bytearray(b"ba"),
    (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), [], [1, "a", b"b"], {}, {"a": 1, "b": [1.5, None]},
    {1: "x", (1, 2): frozenset({3})}, {1, 2, 3}, frozenset({"a"}),
    [shared, shared], cyclic, collections.OrderedDict(a=1), collections.deque([1, 2]),
    collections.defaultdict(list, a=[1]), datetime.datetime(2020, 1, 2, 3, 4, 5),
    decimal.Decimal("1.25"),
    {"a": 1, "b": -2, "c": 3, "d": 4, "e": 5, "f": "s", "g": [{"Newtype": 1}, "Unit"],
     "h": (True, "c"), "i": {"k": 1}, "j": b"raw", "k": None, "l": None, "m": (-1, 2), "n": 0.5},
    [{"type": "Circle", "r": 1.0}, {"type": "Label", "text": "t", "size": 3}, {"type": "Empty"}],
    (7, "s", None, [1, 2]), {"k": [1.0, 2.5]}, {"Tuple": (1, "x")}, {1: (None, (2, 3))},
]


def main():
    n = 0
    for target, controls in (("from_slice_value", [0, 1, 2, 3, 4, 5]), ("typed_roundtrip", range(0, 64, 5))):
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for i, v in enumerate(VALUES):
            for proto in range(0, 6):
                try:
                    data = pickle.dumps(v, protocol=proto)
                except Exception:
                    continue
                c = list(controls)[(i + proto) % len(controls)]
                with open(os.path.join(d, f"seed-{i:03}-p{proto}"), "wb") as f:
                    f.write(bytes([c]) + data)
                n += 1
    print(f"wrote {n} seeds under {os.path.join(HERE, 'corpus')}")


if __name__ == "__main__":
    main()
