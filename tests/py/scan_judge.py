"""What CPython does with a file of pickles when `pickle.load(f)` is called
until the file ends: every global it looks up (module, name, pickle index,
opcode offset) and every call opcode it runs, as JSON on stdout.

Input: the bytes, hex-encoded, on stdin. Globals are never imported: the
unpickler's find_class records the name and returns a stub class, except
builtins.str (real, so that a module name computed by str(...) reaches
STACK_GLOBAL as CPython would compute it).
"""
import io
import json
import pickle
import pickletools
import sys

CALLS = {"REDUCE", "NEWOBJ", "NEWOBJ_EX", "INST", "OBJ", "BUILD", "PERSID", "BINPERSID"}
GLOBALS = {"GLOBAL", "STACK_GLOBAL", "INST"}


class Stub:
    def __new__(cls, *a, **k):
        return object.__new__(cls)

    def __init__(self, *a, **k):
        pass

    def __setstate__(self, state):
        pass


class Recorder(pickle.Unpickler):
    def __init__(self, f, pickle_index, seen):
        super().__init__(f)
        self.pickle_index = pickle_index
        self.seen = seen

    def find_class(self, module, name):
        self.seen.append((self.pickle_index, module, name))
        if (module, name) == ("builtins", "str"):
            return str
        return type(name, (Stub,), {})

    def persistent_load(self, pid):
        return Stub()


def ops_of(data, start):
    """(offset, opcode name) of one pickle's opcodes from `start`, and its end."""
    out = []
    try:
        for op, _arg, pos in pickletools.genops(io.BytesIO(data[start:])):
            out.append((start + pos, op.name))
            if op.name == "STOP":
                return out, start + pos + 1
    except Exception:
        pass
    return out, None


def main():
    data = bytes.fromhex(sys.stdin.read().strip())
    f = io.BytesIO(data)
    seen, globals_, calls = [], [], []
    pickles, error = 0, None
    while f.tell() < len(data):
        start = f.tell()
        ops, _end = ops_of(data, start)
        before = len(seen)
        try:
            Recorder(f, pickles, seen).load()
            done = True
        except Exception as e:  # what CPython raises for the bad pickle
            error, done = type(e).__name__, False
        sites = [o for o in ops if o[1] in GLOBALS]
        for (idx, module, name), (offset, opname) in zip(seen[before:], sites):
            globals_.append([idx, offset, opname, module, name])
        if done:
            calls += [[pickles, o, n] for o, n in ops if n in CALLS]
            pickles += 1
        else:
            break
    json.dump({"pickles": pickles, "globals": globals_, "calls": calls, "error": error}, sys.stdout)


main()
