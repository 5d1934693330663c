#!/usr/bin/env python3
"""Write the CPython pickles that tests/reading/typed_read.rs reads into Rust types.

    python3 tests/py/gen_typed.py [OUTDIR]     (default: tests/data/typed)

For every case of CASES and every protocol 0..5 it writes OUTDIR/<case>.p<N>.pkl
with `pickle.dumps(value, protocol=N)` (the C pickler). A case that CPython cannot
pickle at some protocol (a __slots__ class without __getstate__ below protocol 2)
is left out for that protocol and listed in OUTDIR/manifest.json, which also
records each case's Python expression, so a missing file is a test failure, not
a silent skip.

Also written:
  stream.pkl         several pickles appended to one file by repeated pickle.dump
  records.p0.pkl     a list of 12 record dicts at protocol 0 (for truncation tests)
  records.p5.pkl     the same at protocol 5

Classes are defined in this script, so they pickle as __main__.<name>.
PYTHONHASHSEED is pinned to 0 so that set order (and so the bytes) is reproducible.
Only the standard library is used.
"""
import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import io
import json
import os
import pickle
import sys
import typing


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a = a
        self.b = b


class Pair(typing.NamedTuple):
    left: int
    right: str


class Color(enum.Enum):
    RED = 1
    GREEN = "green"


class Mode(enum.Enum):
    FAST = "Fast"
    SLOW = "Slow"


def _self_list():
    x = []
    x.append(x)
    return x


def _shared_list():
    x = [1]
    return [x, x]


CASES = [
    # integers of every width, at their edges, and just outside them
    ("int_u8_max", "255"),
    ("int_i8_min", "-128"),
    ("int_u16_max", "65535"),
    ("int_i16_min", "-32768"),
    ("int_u32_max", "2**32 - 1"),
    ("int_i32_min", "-2**31"),
    ("int_u64_max", "2**64 - 1"),
    ("int_i64_min", "-2**63"),
    ("int_u128_max", "2**128 - 1"),
    ("int_i128_min", "-2**127"),
    ("int_256", "256"),
    ("int_minus_1", "-1"),
    ("int_2_64", "2**64"),
    ("int_2_128", "2**128"),
    ("int_2_53", "2**53"),
    ("int_2_53_plus_1", "2**53 + 1"),
    # floats
    ("float_1_5", "1.5"),
    ("float_neg_zero", "-0.0"),
    # text
    ("str_unicode", "'h\\xe9llo \\u2603 \\U0001f600'"),
    ("str_ascii", "'plain'"),
    ("char_x", "'x'"),
    ("char_euro", "'\\u20ac'"),
    ("str_two_chars", "'ab'"),
    # sequences and sets
    ("list_ints", "[1, 2, 3]"),
    ("tuple_ints", "(1, 2, 3)"),
    ("set_ints", "{1, 2, 3}"),
    ("frozenset_ints", "frozenset({1, 2, 3})"),
    ("tuple_mixed", "(7, 'seven', 7.5)"),
    ("list_mixed", "[7, 'seven', 7.5]"),
    # maps
    ("dict_str_int", "{'a': 1, 'b': 2}"),
    ("ordereddict_str_int", "collections.OrderedDict([('a', 1), ('b', 2)])"),
    ("person_dict", "{'name': 'Alice', 'age': 23}"),
    # option, unit, newtype
    ("none", "None"),
    ("int_5", "5"),
    ("float_3_5", "3.5"),
    # enums as serde encodes them
    ("variant_unit", "'Red'"),
    ("variant_newtype", "{'Wrapped': 5}"),
    ("variant_tuple", "{'Rgb': [1, 2, 3]}"),
    ("variant_struct", "{'Named': {'x': 1}}"),
    # bytes
    ("bytes_small", "b'\\x00ab\\xff'"),
    ("bytes_empty", "b''"),
    ("bytearray_small", "bytearray(b'\\x00ab\\xff')"),
    # class instances and standard-library objects
    ("dataclass_point", "Point(1, 2)"),
    ("slotted", "Slotted(1, [2])"),
    ("namedtuple_pair", "Pair(1, 'b')"),
    ("enum_int_value", "Color.RED"),
    ("enum_str_value", "Color.GREEN"),
    ("enum_variant_value", "Mode.FAST"),
    ("datetime_naive", "datetime.datetime(2024, 1, 2, 3, 4, 5, 6)"),
    ("datetime_utc", "datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)"),
    ("datetime_offset",
     "datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))"),
    ("date", "datetime.date(2024, 2, 29)"),
    ("time", "datetime.time(23, 59, 58, 999999)"),
    ("timedelta", "datetime.timedelta(days=-1, seconds=5, microseconds=7)"),
    ("decimal", "decimal.Decimal('-3.14159')"),
    ("fraction", "fractions.Fraction(-1, 3)"),
    ("counter", "collections.Counter({'a': 2, 'b': 1})"),
    ("defaultdict", "collections.defaultdict(list, {'a': [1], 'b': [2, 3]})"),
    ("deque", "collections.deque([1, 2, 3])"),
    ("true", "True"),
    ("range", "range(1, 10, 3)"),
    ("complex", "complex(1.5, -2.0)"),
    ("dict_int_keys", "{1: 'a', 2: 'b'}"),
    ("dict_tuple_keys", "{(1, 2): 'x'}"),
    ("nested_struct",
     "{'name': 'n', 'points': [Point(1, 2), {'x': 3, 'y': 4}], 'tags': ('a', 'b'), 'extra': None}"),
    # sharing and recursion
    ("shared_list", "_shared_list()"),
    ("self_list", "_self_list()"),
]

STREAM = [("1", 2), ("'two'", 3), ("[3]", 0), ("{'four': 4}", 5), ("(5, None)", 1)]

RECORDS = ("[{'id': i, 'name': 'user%d' % i, 'score': i * 1.5, 'tags': ['t%d' % (i % 3), 'x'], "
           "'active': i % 2 == 0, 'parent': None if i == 0 else i - 1} for i in range(12)]")


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data", "typed")
    os.makedirs(out, exist_ok=True)
    manifest = {"generator": "tests/py/gen_typed.py", "python": sys.version.split()[0],
                "cases": {}, "not_picklable": {}}
    for name, expr in CASES:
        manifest["cases"][name] = expr
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            value = eval(expr)
            try:
                data = pickle.dumps(value, protocol=proto)
            except Exception as e:
                manifest["not_picklable"]["%s.p%d" % (name, proto)] = "%s: %s" % (type(e).__name__, e)
                continue
            with open(os.path.join(out, "%s.p%d.pkl" % (name, proto)), "wb") as f:
                f.write(data)
    buf = io.BytesIO()
    for expr, proto in STREAM:
        pickle.dump(eval(expr), buf, protocol=proto)
    with open(os.path.join(out, "stream.pkl"), "wb") as f:
        f.write(buf.getvalue())
    manifest["stream"] = [{"expr": e, "protocol": p} for e, p in STREAM]
    for proto in (0, 5):
        with open(os.path.join(out, "records.p%d.pkl" % proto), "wb") as f:
            f.write(pickle.dumps(eval(RECORDS), protocol=proto))
    manifest["records"] = RECORDS
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %d cases into %s" % (len(CASES), out))


if __name__ == "__main__":
    main()
