#!/usr/bin/env python3
"""Write the starting corpus of every fuzz target under fuzz/corpus/<target>/.

    python3 fuzz/seed.py [SPEC_DIR]

Seeds are
  * pickles of the VALUES below, written by this CPython at protocols 0-5;
  * the .pkl files of the pickle-spec corpus (values, py2, oob, hostile) and of
    CPython's own test vectors (cpython_vectors), read as bytes only, never
    unpickled. SPEC_DIR defaults to /work/shared/pickle-spec, falling back to
    the copies under tests/data/ (corpus/, cpython_vectors/).

Files over 64 KiB are skipped (libFuzzer's -max_len follows the largest seed;
the huge hostile pickles are replayed by the regular tests instead).

from_slice_value, typed_roundtrip and stream take one leading control byte
before the pickle (see each target's doc comment); scan takes the bare
pickle. Each seed gets one control byte, varied across seeds.
"""

import collections
import datetime
import decimal
import hashlib
import os
import pickle
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MAX_SEED = 64 * 1024

shared = [1, 2]
cyclic = []
cyclic.append(cyclic)

VALUES = [
    None, True, False, 0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31, 2**63 - 1, -2**63,
    2**64, -2**100, 2**127 - 1, 2**128 - 1, 0.0, -0.0, 1.5, float("inf"), float("nan"), 1 + 2j,
    "", "a", "é€𝄞", "x" * 300, b"", b"\x00\xff", b"y" * 300, bytearray(b"ba"),
    (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), [], [1, "a", b"b"], {}, {"a": 1, "b": [1.5, None]},
    {1: "x", (1, 2): frozenset({3})}, {1, 2, 3}, frozenset({"a"}),
    [shared, shared], cyclic, collections.OrderedDict(a=1), collections.deque([1, 2]),
    collections.defaultdict(list, a=[1]), datetime.datetime(2020, 1, 2, 3, 4, 5),
    decimal.Decimal("1.25"),
    # Shapes of the typed_roundtrip zoo.
    {"a": 1, "b": -2, "c": 3, "d": 4, "e": 5, "f": "s", "g": [{"Newtype": 1}, "Unit"],
     "h": (True, "c"), "i": {"k": 1}, "j": b"raw", "k": None, "l": None, "m": (-1, 2), "n": 0.5},
    [{"type": "Circle", "r": 1.0}, {"type": "Label", "text": "t", "size": 3}, {"type": "Empty"}],
    (7, "s", None, b"\x01\x02"), {"k": [1.0, 2.5]}, {"Tuple": (1, "x")}, {1: (None, (2, 3))},
    {"big": -2**100, "ubig": 2**127, "c": "\u00e9", "m": 2.5, "nested": [(1, -2)], "x": 7},
    {"k": [1, None, 3]}, [1, "two", [3, ["four"]]], ("z", 2**70, 2**128 - 1, 0.25),
    [("a", 1.0), ("b", -0.0)], {"s": "str", "b": b"bytes"}, {(1, "a"): {2: True}},
]

TARGETS = {
    # target: the control bytes to spread over its seeds (None: no control byte)
    "from_slice_value": list(range(6)),
    "typed_roundtrip": list(range(96)),
    "stream": [0, 1, 2, 6, 7, 63],
    "scan": None,
}


def spec_files(spec):
    """The .pkl files of the spec corpus and CPython vectors, sorted."""
    roots = [os.path.join(spec, "corpus"), os.path.join(spec, "cpython_vectors")]
    if not os.path.isdir(roots[0]):
        roots = [os.path.join(ROOT, "tests", "data", "corpus"),
                 os.path.join(ROOT, "tests", "data", "cpython_vectors")]
    out = []
    for root in roots:
        for dirpath, _, names in os.walk(root):
            for n in names:
                if n.endswith(".pkl"):
                    out.append(os.path.join(dirpath, n))
    return sorted(out)


def seeds(spec):
    for i, v in enumerate(VALUES):
        for proto in range(6):
            try:
                yield f"value-{i:03}-p{proto}", pickle.dumps(v, protocol=proto)
            except Exception:
                pass
    for path in spec_files(spec):
        if os.path.getsize(path) <= MAX_SEED:
            with open(path, "rb") as f:  # bytes only: never unpickled
                yield "spec-" + os.path.basename(path), f.read()


def main():
    spec = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/pickle-spec"
    all_seeds = list(seeds(spec))
    for target, controls in TARGETS.items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in all_seeds:
            if controls is not None:
                h = int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "little")
                data = bytes([controls[h % len(controls)]]) + data
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(all_seeds)} seeds in {d}")


if __name__ == "__main__":
    main()
