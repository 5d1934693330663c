#!/usr/bin/env bash
# Run every benchmark (this crate vs serde-pickle 1.2, serde_json, bincode,
# and CPython's pickle) and regenerate the Performance table in README.md.
#
#   benches/report.sh            # everything: a few minutes on 2 cores
#   benches/report.sh records    # only data sets whose name contains "records"
#
# Needs python3. Results: $BENCH_OUT (default $CARGO_TARGET_DIR/bench-data,
# or target/bench-data).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v python3 >/dev/null || { echo "report.sh: python3 is required" >&2; exit 1; }

target=${CARGO_TARGET_DIR:-target}
export BENCH_OUT=${BENCH_OUT:-$target/bench-data}
mkdir -p "$BENCH_OUT"
BENCH_OUT=$(cd "$BENCH_OUT" && pwd)
export CRITERION_HOME=${CRITERION_HOME:-$BENCH_OUT/criterion}
# Fresh numbers only: drop the results of earlier runs.
rm -rf "$CRITERION_HOME" "$BENCH_OUT"/{sizes,peak,python}.json

echo "=== cargo bench --bench formats ==="
cargo bench --bench formats -- "$@"
echo "=== cargo bench --bench peak_mem ==="
cargo bench --bench peak_mem -- "$@"
echo "=== CPython pickle (benches/compare.py) ==="
python3 benches/compare.py "$BENCH_OUT"
echo "=== README.md table ==="
python3 benches/report.py --out "$BENCH_OUT" --readme README.md
