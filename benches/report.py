#!/usr/bin/env python3
"""Turn the bench results into the README's Performance table.

Reads, from the bench output directory (``--out``):
  criterion/<data set>/<op>/<format>/new/estimates.json   (cargo bench --bench formats)
  sizes.json                                               (same)
  peak.json                                                (cargo bench --bench peak_mem)
  python.json                                              (benches/compare.py)
and replaces everything between ``<!-- bench-table -->`` and
``<!-- /bench-table -->`` in the README (``--readme``) with the tables.
Run through ``benches/report.sh``, which produces all of the above first.
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

BEGIN = "<!-- bench-table -->"
END = "<!-- /bench-table -->"

DATASETS = [
    ("records", "records: 100,000 structs (7 fields, strings, a list)"),
    ("cpython_records", "the same records, pickled by CPython (read only)"),
    ("i64", "1,000,000 `i64`, mixed magnitudes"),
    ("f64", "1,000,000 `f64`"),
    ("bytes_16MiB", "one 16 MiB byte string"),
    ("bytes_small", "10,000 byte strings of 0–255 bytes"),
    ("nested", "`HashMap<String, Vec<HashMap<String, i64>>>`, 200,000 leaves"),
]
OPS = [
    ("serialize", "write"),
    ("from_slice", "read `&[u8]`"),
    ("from_reader", "read `io::Read`"),
    ("value", "read `&[u8]` into the crate's `Value`"),
]
FORMATS = [
    ("this", "serde_pickle (this crate)"),
    ("peer", "serde-pickle 1.2"),
    ("json", "serde_json"),
    ("bincode", "bincode 1.3"),
]


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def criterion_ns(crit_dir, dataset, op, fmt):
    est = load_json(os.path.join(crit_dir, dataset, op, fmt, "new", "estimates.json"))
    if not est:
        return None
    return est["median"]["point_estimate"]


def fmt_ms(ns):
    if ns is None:
        return "—"
    ms = ns / 1e6
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def fmt_mib(b):
    if b is None:
        return "—"
    return f"{b / (1 << 20):.1f}"


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    nproc = os.cpu_count()
    try:
        nproc = int(subprocess.check_output(["nproc"], text=True).strip())
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    try:
        rustc = subprocess.check_output(["rustc", "--version"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        rustc = "rustc (unknown version)"
    return cpu, nproc, rustc


def build_tables(out):
    crit = os.environ.get("CRITERION_HOME") or os.path.join(out, "criterion")
    sizes = load_json(os.path.join(out, "sizes.json")) or {}
    peak = load_json(os.path.join(out, "peak.json")) or {}
    py = load_json(os.path.join(out, "python.json")) or {"datasets": {}}
    pyd = py.get("datasets", {})
    cpu, nproc, rustc = machine()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    pyver = py.get("python", platform.python_version())

    lines = []
    lines.append(
        f"Measured {date} on {cpu}, {nproc} cores ({platform.system()} {platform.machine()}), "
        f"{rustc}, CPython {pyver}; regenerate with `benches/report.sh`. "
        "One run on a shared virtual machine: treat small differences as noise."
    )
    lines.append("")
    lines.append("**Time** (median, milliseconds, lower is better). Rust: criterion, 10 samples; "
                 "CPython: `pickle.dumps(obj, protocol=5)` / `pickle.loads` / "
                 "`pickle.load(io.BytesIO(...))` with the C accelerator, GC on.")
    lines.append("")
    header = ["data set", "operation"] + [name for _, name in FORMATS] + ["CPython pickle"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---", "---"] + ["---:"] * (len(FORMATS) + 1)) + "|")
    for ds, ds_desc in DATASETS:
        first = True
        for op, op_desc in OPS:
            cells = [criterion_ns(crit, ds, op, f) for f, _ in FORMATS]
            pyns = pyd.get(ds, {}).get(op + "_ns")
            if all(c is None for c in cells) and pyns is None:
                continue
            label = ds_desc if first else ""
            first = False
            lines.append("| " + " | ".join([label, op_desc] + [fmt_ms(c) for c in cells] + [fmt_ms(pyns)]) + " |")
    lines.append("")

    lines.append("**Output size** (bytes). This crate and CPython write protocol 5; "
                 "serde-pickle 1.2 writes protocol 3. CPython's `pickle.dumps` also writes memo "
                 "entries that nothing reads; this crate leaves them out, as `pickletools.optimize` does.")
    lines.append("")
    lines.append("| data set | " + " | ".join(n for _, n in FORMATS)
                 + " | CPython `pickle.dumps` | this crate = `pickletools.optimize(pickle.dumps(..))` |")
    lines.append("|---|" + "---:|" * (len(FORMATS) + 1) + ":---:|")
    failed = []
    for ds, ds_desc in DATASETS:
        s = sizes.get(ds, {})
        if ds == "cpython_records" or not s:
            continue
        p = pyd.get(ds, {})
        same = p.get("identical_to_rust")
        cells = [f"{s[f]:,}" if f in s else "—" for f, _ in FORMATS]
        failed += [f"{ds}/{name}" for f, name in FORMATS if s.get(f + "_roundtrip_failed")]
        row = [ds_desc] + cells + [f"{p['size']:,}" if "size" in p else "—",
                                   "—" if same is None else ("yes" if same else "**no**")]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    for f, name in FORMATS:
        if sizes.get("cpython_records", {}).get(f + "_roundtrip_failed"):
            failed.append(f"cpython_records/{name}")
    if failed:
        lines.append("Not timed for reading, because reading back gave a different value or failed: "
                     + ", ".join(failed) + ".")
        lines.append("")

    if peak:
        lines.append("**Peak heap during a read** (MiB, counting allocator, the result included; "
                     "`cargo bench --bench peak_mem`).")
        lines.append("")
        cols = [
            ("this/from_slice", "serde_pickle `from_slice`"),
            ("this/from_reader", "serde_pickle `from_reader`"),
            ("this/Value", "serde_pickle → `Value`"),
            ("peer/from_slice", "serde-pickle 1.2 `from_slice`"),
            ("peer/Value", "serde-pickle 1.2 → `Value`"),
            ("json/from_slice", "serde_json `from_slice`"),
            ("bincode/from_slice", "bincode `deserialize`"),
        ]
        lines.append("| data set | result size | " + " | ".join(n for _, n in cols) + " |")
        lines.append("|---|---:|" + "---:|" * len(cols))
        for ds, ds_desc in DATASETS:
            d = peak.get(ds)
            if not d:
                continue
            retained = d.get("this/from_slice", {}).get("retained")
            lines.append("| " + " | ".join([ds_desc, fmt_mib(retained)] + [fmt_mib(d.get(k, {}).get("peak")) for k, _ in cols]) + " |")
        lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="bench output directory")
    ap.add_argument("--readme", default=None, help="README to update (prints the tables if omitted)")
    args = ap.parse_args()
    tables = build_tables(args.out)
    if not args.readme:
        print(tables)
        return
    with open(args.readme) as f:
        text = f.read()
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        sys.exit(f"{args.readme}: markers {BEGIN} ... {END} not found")
    text = pattern.sub(lambda _: BEGIN + "\n" + tables + "\n" + END, text, count=1)
    with open(args.readme, "w") as f:
        f.write(text)
    print(f"updated {args.readme}")


if __name__ == "__main__":
    main()
