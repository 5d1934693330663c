#!/usr/bin/env python3
"""Time CPython's own pickle on the data sets the Rust benches use.

The Rust bench (`cargo bench --bench formats`) leaves, in its output
directory, each data set as this crate pickled it (`<name>.pkl`, protocol 5)
and the records as CPython pickled them (`records_cpython.pkl`). This script
loads each one to get the very same Python objects, then times

  * ``pickle.dumps(obj, protocol=5)``        (column: serialize)
  * ``pickle.loads(data)``                   (column: from_slice)
  * ``pickle.load(io.BytesIO(data))``        (column: from_reader)

and checks whether this crate's output is byte-identical to CPython's after
``pickletools.optimize`` (which drops the memo entries nothing reads; this
crate writes them the same way).
Timings are medians over repeated runs, with the garbage collector left on
(as a program would run). Results go to ``python.json`` in the same directory.

    python3 benches/compare.py [OUT_DIR]
"""

import gc
import io
import json
import os
import pickle
import pickletools
import platform
import statistics
import sys
import time

DATASETS = ["records", "i64", "f64", "bytes_16MiB", "bytes_small", "nested"]


def default_out_dir():
    if os.environ.get("BENCH_OUT"):
        return os.environ["BENCH_OUT"]
    if os.environ.get("CARGO_TARGET_DIR"):
        return os.path.join(os.environ["CARGO_TARGET_DIR"], "bench-data")
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "target", "bench-data")


def timeit(fn, min_runs=5, max_runs=50, budget_s=2.0):
    """Median wall time of fn() in nanoseconds."""
    fn()  # warm up
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    return int(statistics.median(times)), len(times)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else default_out_dir()
    results = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "datasets": {},
    }
    for name in DATASETS + ["cpython_records"]:
        path = os.path.join(out, "records_cpython.pkl" if name == "cpython_records" else name + ".pkl")
        if not os.path.exists(path):
            print(f"{name:<16} missing {path} (run the Rust bench first)", file=sys.stderr)
            continue
        with open(path, "rb") as f:
            rust_bytes = f.read()
        try:
            obj = pickle.loads(rust_bytes)
        except Exception as e:  # the Rust output must load; say so loudly
            print(f"{name:<16} CPython could not load {path}: {e!r}", file=sys.stderr)
            results["datasets"][name] = {"error": repr(e)}
            continue
        py_bytes = pickle.dumps(obj, protocol=5)
        entry = {"size": len(py_bytes)}
        if name != "cpython_records":
            entry["identical_to_rust"] = pickletools.optimize(py_bytes) == rust_bytes
            entry["serialize_ns"], _ = timeit(lambda: pickle.dumps(obj, protocol=5))
        entry["from_slice_ns"], runs = timeit(lambda: pickle.loads(py_bytes))
        entry["from_reader_ns"], _ = timeit(lambda: pickle.load(io.BytesIO(py_bytes)))
        del obj
        gc.collect()
        results["datasets"][name] = entry
        same = entry.get("identical_to_rust")
        print(
            f"{name:<16} size {entry['size']:>10}  dumps {entry.get('serialize_ns', 0) / 1e6:9.2f} ms"
            f"  loads {entry['from_slice_ns'] / 1e6:9.2f} ms  load(BytesIO) {entry['from_reader_ns'] / 1e6:9.2f} ms"
            + ("" if same is None else f"  optimize(dumps) == Rust: {same}")
        )
    dest = os.path.join(out, "python.json")
    with open(dest, "w") as f:
        json.dump(results, f, indent=2)
    print(f"wrote {dest}")


if __name__ == "__main__":
    main()
