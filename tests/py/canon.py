#!/usr/bin/env python3
"""The judge for tests/canonical_bytes.rs: CPython computes what the writer must produce.

Reads a JSON list of cases on stdin, each
    {"id": str, "proto": int, "hex": "<our pickle>", "expect": "<python expr>" | null,
     "check": "<python expr over v>" | null, "modules": [names to import],
     "persistent": bool (persistent ids load as Pid(id) and are written back as ids),
     "buffers": [hex...] (out-of-band buffers for NEXT_BUFFER; no canonical form then) }
and writes a JSON list of outcomes, one per case:
    {"id", "canon": hex of pickletools.optimize(pickle.dumps(pickle.loads(ours), proto)) | null,
     "repr": repr of the loaded value, "ok": typed equality with `expect` (and `check` true),
     "error": message if loading or re-pickling failed}
One process handles a whole batch, so the suite stays fast.
"""
import collections  # noqa: F401  (available to expectations)
import datetime  # noqa: F401
import importlib
import io
import json
import math
import pickle
import pickletools
import sys
import traceback


def same(a, b, depth=0):
    """Equality that also requires equal types all the way down (tuple vs list,
    bool vs int), -0.0 vs 0.0, and treats NaN as equal to NaN."""
    if depth > 200:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, depth + 1) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb, depth + 1) and same(va, vb, depth + 1)
            for (ka, va), (kb, vb) in zip(a.items(), b.items())
        )
    if isinstance(a, (set, frozenset)):
        return a == b and sorted(map(repr, a)) == sorted(map(repr, b))
    return a == b


class Pid:
    """What a persistent id loads to (and is written back as)."""

    def __init__(self, pid):
        self.pid = pid

    def __eq__(self, other):
        return type(other) is Pid and same(self.pid, other.pid)

    def __repr__(self):
        return "Pid(%r)" % (self.pid,)


class PidUnpickler(pickle.Unpickler):
    def persistent_load(self, pid):
        return Pid(pid)


class PidPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if type(obj) is Pid else None


def loads(data, case):
    if case.get("persistent"):
        return PidUnpickler(io.BytesIO(data)).load()
    if case.get("buffers") is not None:
        return pickle.loads(data, buffers=[bytes.fromhex(b) for b in case["buffers"]])
    return pickle.loads(data)


def dumps(value, case):
    if case.get("persistent"):
        f = io.BytesIO()
        PidPickler(f, protocol=case["proto"]).dump(value)
        return f.getvalue()
    return pickle.dumps(value, protocol=case["proto"])


def run(case):
    out = {"id": case["id"], "canon": None, "repr": None, "ok": False, "error": None}
    try:
        for name in case.get("modules") or []:
            globals()[name] = importlib.import_module(name)
        ours = bytes.fromhex(case["hex"])
        value = loads(ours, case)
        try:
            out["repr"] = repr(value)
        except RecursionError:
            out["repr"] = "<recursive %s>" % type(value).__name__
        ok = True
        if case.get("expect") is not None:
            ok = same(value, eval(case["expect"]))
        if ok and case.get("check") is not None:
            ok = bool(eval(case["check"], {"v": value}))
        out["ok"] = ok
        if case.get("buffers") is None:
            out["canon"] = pickletools.optimize(dumps(value, case)).hex()
    except Exception:
        out["error"] = traceback.format_exc(limit=2)
    return out


def main():
    sys.setrecursionlimit(10000)
    cases = json.load(sys.stdin)
    json.dump([run(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
