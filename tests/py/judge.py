#!/usr/bin/env python3
"""The CPython judge of the integration tests (driven by tests/support/python/).

Reads one JSON request on stdin and writes one JSON answer on stdout, so a
whole batch of cases costs one python3 process. Requests:

  {"op": "canon", "cases": [{"id", "proto", "hex": our pickle,
                             "expect": python expr | null, "check": expr over v | null,
                             "modules": [names to import], "persistent": bool,
                             "buffers": [hex...] | null}]}
      Load our pickle (persistent ids load as Pid(id) and are written back as
      ids; `buffers` are the out-of-band buffers), require `equal(v, expect)`
      (types equal all the way down) and `check` true, and re-pickle:
      "canon" is pickletools.optimize(pickle.dumps(v, proto)) (none with buffers).
      -> [{"id", "ok", "repr", "canon", "error"}]

  {"op": "eval", "lines": [python expr]}
      str(eval(line)) for each line, or "EXCEPTION <type>: <message>"; the
      helpers d(bits), selfref_list(), selfref_dict(), hashable(x), nan and inf
      are in scope.
      -> [str]

  {"op": "dump", "cases": [{"id", "expr", "protos": [..]}]}
      Evaluate each Python expression (with `objects` and the stdlib modules
      below in scope) once per protocol and pickle it.
      -> [{"id", "proto", "hex"} or {"id", "proto", "error"}]

  {"op": "compare", "items": [{"id", "orig": path | null, "orig_hex": hex | null,
                               "ours": path | null, "ours_hex": hex | null,
                               "encoding": "ASCII" | "latin1"}]}
      Load the original pickle (with `encoding`) and ours, and compare them
      with `Same`: same types all the way down, equal values (NaN equal to
      NaN, -0.0 distinct from 0.0), same identity structure (an object shared
      in one is shared in the same places in the other; cycles stay cycles).
      -> [{"id", "ok", "why"}]

  {"op": "dis", "items": [{"id", "path" | "hex"}]}
      pickletools.dis of each pickle.
      -> [{"id", "text"} or {"id", "error", "partial": what it printed first}]

The classes of the reference corpus were pickled from `__main__`; this
script is `__main__`, and `objects.install_corpus_classes` defines them here.
"""
import collections  # noqa: F401  (in scope for expressions)
import datetime  # noqa: F401
import decimal  # noqa: F401
import enum
import fractions  # noqa: F401
import importlib
import io
import json
import math
import pickle
import pickletools
import struct
import sys
import traceback
import types
import uuid  # noqa: F401

import objects

objects.install_corpus_classes(sys.modules[__name__])

# Values without identity: CPython may share them or not at will.
ATOMS = (type(None), bool, int, float, complex, str, bytes,
         type(Ellipsis), type(NotImplemented))
# Objects compared by identity (a global loads to the very same object).
BY_IDENTITY = (type, types.FunctionType, types.BuiltinFunctionType, enum.Enum)
# Immutable stdlib values whose repr shows all of their state.
BY_REPR = (datetime.date, datetime.time, datetime.timedelta, datetime.tzinfo,
           decimal.Decimal, fractions.Fraction, range, slice, uuid.UUID)


class Mismatch(Exception):
    pass


class Same:
    """Type-exact structural equality with an identity bijection."""

    def __init__(self):
        self.a2b = {}
        self.b2a = {}

    def fail(self, path, msg):
        raise Mismatch("%s: %s" % (path, msg))

    def same(self, a, b, path="v"):
        if type(a) is not type(b):
            self.fail(path, "type %s vs %s (%s vs %s)" % (
                type(a).__qualname__, type(b).__qualname__, short(a), short(b)))
        if isinstance(a, ATOMS):
            return self.atoms(a, b, path)
        if isinstance(a, BY_IDENTITY):
            # `==`: a bound builtin method (dict.fromkeys) is new at each access.
            if a != b:
                self.fail(path, "%r is not %r" % (a, b))
            return
        if type(a) is tuple and len(a) == 0:
            return
        ia, ib = id(a), id(b)
        if ia in self.a2b or ib in self.b2a:
            if self.a2b.get(ia) != ib or self.b2a.get(ib) != ia:
                self.fail(path, "identity structure differs (an object shared or "
                                "recursive on one side is not on the other)")
            return
        self.a2b[ia] = ib
        self.b2a[ib] = ia
        self.structure(a, b, path)

    def atoms(self, a, b, path):
        if isinstance(a, float):
            ok = (math.isnan(a) and math.isnan(b)) or (
                a == b and math.copysign(1, a) == math.copysign(1, b))
        elif isinstance(a, complex):
            self.atoms(a.real, b.real, path + ".real")
            self.atoms(a.imag, b.imag, path + ".imag")
            return
        else:
            ok = a == b
        if not ok:
            self.fail(path, "%s != %s" % (short(a), short(b)))

    def structure(self, a, b, path):
        if isinstance(a, BY_REPR):
            if repr(a) != repr(b):
                self.fail(path, "%r != %r" % (a, b))
        if isinstance(a, (list, tuple, collections.deque)):
            if len(a) != len(b):
                self.fail(path, "length %d vs %d" % (len(a), len(b)))
            for i, (x, y) in enumerate(zip(a, b)):
                self.same(x, y, "%s[%d]" % (path, i))
            if isinstance(a, collections.deque) and a.maxlen != b.maxlen:
                self.fail(path, "maxlen %r vs %r" % (a.maxlen, b.maxlen))
        elif isinstance(a, dict):
            if len(a) != len(b):
                self.fail(path, "length %d vs %d" % (len(a), len(b)))
            for (ka, va), (kb, vb) in zip(a.items(), b.items()):
                self.same(ka, kb, "%s.key(%s)" % (path, short(ka)))
                self.same(va, vb, "%s[%s]" % (path, short(ka)))
            if isinstance(a, collections.defaultdict):
                self.same(a.default_factory, b.default_factory, path + ".default_factory")
        elif isinstance(a, (set, frozenset)):
            if len(a) != len(b):
                self.fail(path, "length %d vs %d" % (len(a), len(b)))
            index = {y: y for y in b}
            for x in a:
                if x not in index:
                    self.fail(path, "%s missing" % short(x))
                self.same(x, index[x], "%s{%s}" % (path, short(x)))
        elif isinstance(a, (bytearray, memoryview, pickle.PickleBuffer)):
            if bytes(a) != bytes(b):
                self.fail(path, "%s != %s" % (short(a), short(b)))
        elif isinstance(a, BaseException):
            self.same(a.args, b.args, path + ".args")
        elif isinstance(a, int):  # int subclasses
            if int(a) != int(b):
                self.fail(path, "%d != %d" % (a, b))
        elif not isinstance(a, BY_REPR) and not hasattr(a, "__dict__") and not slots(type(a)):
            if a != b:
                self.fail(path, "%s != %s" % (short(a), short(b)))
        # Instance state: __dict__ and __slots__.
        if hasattr(a, "__dict__") and not isinstance(a, type):
            self.same(vars(a), vars(b), path + ".__dict__")
        for name in slots(type(a)):
            ha, hb = hasattr(a, name), hasattr(b, name)
            if ha != hb:
                self.fail(path, "slot %s set on one side only" % name)
            if ha:
                self.same(getattr(a, name), getattr(b, name), "%s.%s" % (path, name))


def slots(cls):
    out = []
    for c in cls.__mro__:
        for s in c.__dict__.get("__slots__", ()):
            if s not in ("__dict__", "__weakref__"):
                out.append(s)
    return out


def short(x):
    try:
        r = repr(x)
    except RecursionError:
        r = "<recursive %s>" % type(x).__name__
    return r if len(r) <= 80 else r[:77] + "..."


def load(item, key, encoding="ASCII"):
    if item.get(key) is not None:
        with open(item[key], "rb") as f:
            data = f.read()
    else:
        data = bytes.fromhex(item[key + "_hex"])
    return pickle.loads(data, encoding=encoding)


SCOPE = {name: value for name, value in globals().items() if isinstance(value, types.ModuleType)}


def dump(cases):
    out = []
    for case in cases:
        for proto in case["protos"]:
            try:
                value = eval(case["expr"], dict(SCOPE))
                out.append({"id": case["id"], "proto": proto,
                            "hex": pickle.dumps(value, protocol=proto).hex()})
            except Exception as e:
                out.append({"id": case["id"], "proto": proto,
                            "error": "%s: %s" % (type(e).__name__, e)})
    return out


def compare(items):
    out = []
    for item in items:
        res = {"id": item["id"], "ok": False, "why": None}
        try:
            orig = load(item, "orig", item.get("encoding") or "ASCII")
            ours = load(item, "ours")
            Same().same(orig, ours)
            res["ok"] = True
        except Mismatch as e:
            res["why"] = str(e)
        except Exception:
            res["why"] = traceback.format_exc(limit=3)
        out.append(res)
    return out


def dis(items):
    out = []
    for item in items:
        try:
            if item.get("path"):
                with open(item["path"], "rb") as f:
                    data = f.read()
            else:
                data = bytes.fromhex(item["hex"])
            buf = io.StringIO()
            pickletools.dis(data, out=buf)
            out.append({"id": item["id"], "text": buf.getvalue()})
        except Exception as e:
            # What pickletools printed before it gave up.
            out.append({"id": item["id"], "error": "%s: %s" % (type(e).__name__, e),
                        "partial": buf.getvalue()})
    return out



# ---------------------------------------------------------------------------
# "canon": does CPython load our pickle to the expected value, and would it
# write the same bytes? (tests/writing/)
# ---------------------------------------------------------------------------

def equal(a, b, depth=0):
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
        return equal(a.real, b.real) and equal(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y, depth + 1) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            equal(ka, kb, depth + 1) and equal(va, vb, depth + 1)
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
        return type(other) is Pid and equal(self.pid, other.pid)

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


def canon_case(case):
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
            ok = equal(value, eval(case["expect"]))
        if ok and case.get("check") is not None:
            ok = bool(eval(case["check"], dict(globals(), v=value)))
        out["ok"] = ok
        if case.get("buffers") is None:
            out["canon"] = pickletools.optimize(dumps(value, case)).hex()
    except Exception:
        out["error"] = traceback.format_exc(limit=2)
    return out



# ---------------------------------------------------------------------------
# "eval": Python's answer to expressions about values (tests/value/)
# ---------------------------------------------------------------------------

def d(bits):
    """The float with these IEEE-754 bits."""
    return struct.unpack('<d', struct.pack('<Q', bits))[0]


def selfref_list():
    lst = []
    lst.append(lst)
    return lst


def selfref_dict():
    x = {}
    x['me'] = x
    return x


def hashable(x):
    try:
        hash(x)
        return True
    except TypeError:
        return False


nan = float('nan')
inf = float('inf')


def evaluate(lines):
    ns = dict(globals())
    out = []
    for line in lines:
        try:
            out.append(str(eval(line, ns)))
        except BaseException as e:
            out.append('EXCEPTION %s: %s' % (type(e).__name__, e))
    return out


def main():
    request = json.load(sys.stdin)
    op = request["op"]
    # The limits each request was written against.
    sys.setrecursionlimit({"canon": 10000, "eval": 1000}.get(op, 20000))
    handler = {"dump": lambda r: dump(r["cases"]), "compare": lambda r: compare(r["items"]),
               "canon": lambda r: [canon_case(c) for c in r["cases"]],
               "eval": lambda r: evaluate(r["lines"]), "dis": lambda r: dis(r["items"])}
    json.dump(handler[op](request), sys.stdout)


if __name__ == "__main__":
    main()
