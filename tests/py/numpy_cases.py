"""numpy as the judge for tests/numpy.rs and tests/pandas.rs.

Reads one JSON request on stdin and prints one JSON answer on stdout.

  {"op": "dump", "exprs": [...], "protos": [...], "oob": false}
      For each expression (evaluated with numpy as np, pandas as pd) and
      protocol: the pickle (hex; with "oob", protocol 5 with out-of-band
      buffers, also returned as hex) and what `tolist()` gives, in JSON:
      complex -> [re, im], bytes -> list of ints, datetime64/timedelta64 ->
      the int64 count, a record -> {field: value}.

  With "joblib", the file joblib.dump writes instead of the pickle
  (with "compress", joblib's compress argument, e.g. "zlib" or ["lz4", 3]).

  {"op": "load", "items": [{"hex":..., "expr":..., "proto":...}]}
      Loads each Rust-written pickle and compares it with the expression's
      array: dtype, shape, np.array_equal, and the bytes with
      pickletools.optimize(pickle.dumps(expected, proto)). Prints a list of
      problems (empty when all agree).
"""
import json
import pickle
import pickletools
import sys

import numpy as np

try:
    import pandas as pd
except ImportError:  # pragma: no cover - both environments have pandas
    pd = None


def elem(x, dt):
    k = dt.kind
    if dt.names:
        return {n: elem(x[n], dt.fields[n][0]) for n in dt.names}
    if k == "b":
        return bool(x)
    if k in "iu":
        return int(x)
    if k == "f":
        return float(x)
    if k == "c":
        return [float(x.real), float(x.imag)]
    if k == "S":
        return list(bytes(x))
    if k == "U":
        return str(x)
    if k in "Mm":
        return int(np.asarray(x).view("i8"))
    if k == "O":
        return x
    raise ValueError(dt)


def tolist(a):
    a = np.asarray(a) if not isinstance(a, np.generic) else a
    if isinstance(a, np.generic):
        return elem(a, a.dtype)
    if a.ndim == 0:
        return elem(a[()], a.dtype)
    return [tolist(a[i]) if a.ndim > 1 else elem(a[i], a.dtype) for i in range(a.shape[0])]


def expected(v):
    if pd is not None and isinstance(v, pd.DataFrame):
        return {str(c): tolist(v[c].to_numpy()) for c in v.columns}
    if pd is not None and isinstance(v, pd.Series):
        return tolist(v.to_numpy())
    if isinstance(v, dict):
        return {k: expected(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [expected(x) for x in v]
    if isinstance(v, (np.ndarray, np.generic)):
        return tolist(v)
    return v


def expected_or_none(v):
    """`expected(v)`, or None where tolist has no JSON form (NaN, pandas' NA...)."""
    try:
        e = expected(v)
        json.dumps(e, allow_nan=False)
        return e
    except (TypeError, ValueError):
        return None


def dump(req):
    out = []
    for expr in req["exprs"]:
        v = eval(expr)
        want = expected_or_none(v)
        for p in req["protos"]:
            bufs = []
            if req.get("joblib"):
                import io
                import joblib
                bio = io.BytesIO()
                joblib.dump(v, bio, protocol=p, compress=req.get("compress", 0))
                data = bio.getvalue()
            elif req.get("oob"):
                data = pickle.dumps(v, p, buffer_callback=bufs.append)
            else:
                data = pickle.dumps(v, p)
            out.append({
                "expr": expr,
                "proto": p,
                "hex": data.hex(),
                "buffers": [bytes(b.raw()).hex() for b in bufs],
                "expect": want,
            })
    return out


def load(req):
    problems = []
    for item in req["items"]:
        data = bytes.fromhex(item["hex"])
        want = eval(item["expr"])
        try:
            got = pickle.loads(data)
        except Exception as e:  # noqa: BLE001 - reported to the test
            problems.append(f"{item['expr']} p{item['proto']}: numpy cannot load it: {e!r}")
            continue
        if type(got) is not type(want):
            problems.append(f"{item['expr']}: loaded a {type(got)}, expected {type(want)}")
            continue
        if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
            problems.append(f"{item['expr']}: loaded {got!r} ({got.dtype}), expected {want!r} ({want.dtype})")
        ref = pickletools.optimize(pickle.dumps(want, item["proto"]))
        if ref != data:
            problems.append(f"{item['expr']} p{item['proto']}: bytes differ\n  numpy: {ref.hex()}\n  rust:  {data.hex()}")
    return problems


req = json.load(sys.stdin)
print(json.dumps({"dump": dump, "load": load}[req["op"]](req)))
