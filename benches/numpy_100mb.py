"""numpy's own figures for the `numpy_100MB` bench group of benches/formats.rs:
pickle.loads / pickle.dumps of the same 100 MB float64 array (protocol 5,
in-band), best of several runs. Run with `$(tools/pyenv.sh modern) benches/numpy_100mb.py`."""
import pickle
import time

import numpy as np

n = (100 << 20) // 8
a = np.arange(n, dtype="f8") * 0.25
data = pickle.dumps(a, 5)
raw = pickle.dumps(bytes(100 << 20), 5)


def best(f, runs=10):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times) * 1e3


print(f"numpy {np.__version__}, pickle of {len(data)} bytes")
print(f"pickle.loads(array)        {best(lambda: pickle.loads(data)):8.2f} ms")
print(f"pickle.dumps(array, 5)     {best(lambda: pickle.dumps(a, 5)):8.2f} ms")
print(f"pickle.loads(bytes 100MiB) {best(lambda: pickle.loads(raw)):8.2f} ms")
