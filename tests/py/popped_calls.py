"""Pickles whose loading makes calls for their side effects only (the call's
result is popped: REDUCE then POP), and the judge that loads them.

    python popped_calls.py make CASE PROTOCOL   # the pickle on stdout
    python popped_calls.py load                 # a pickle on stdin; prints what it does

Run by tests/interop/popped_calls.rs with `tools/pyenv.sh modern` (cloudpickle,
dill, numpy). `load` must run in a fresh process per pickle: cloudpickle reuses
a class it has already rebuilt in the same process, which would hide a class
whose state was lost.

Cases:
  state_setter  Python's 6-item __reduce__: C() then setx(obj, {'x': 42})
  cp_closure    cloudpickle: a closure over n (_function_setstate sets the cell)
  cp_global     cloudpickle: a function using the global np
  cp_class      cloudpickle: a class defined in a function (_class_setstate)
  dill_closure  dill: a recursive closure (_setattr(cell, 'cell_contents', f))
  dill_class    dill: a class defined in a function
"""

import sys


def setx(obj, state):
    obj.__dict__.update(state)


class C:
    def __reduce__(self):
        return (C, (), {'x': 42}, None, None, setx)


def make(case, proto):
    if case == 'state_setter':
        import pickle
        return pickle.dumps(C(), proto)
    if case.startswith('cp_'):
        import cloudpickle as lib
        dumps = lib.dumps
    else:
        import dill as lib
        dumps = lib.dumps
    if case.endswith('_closure'):
        def outer(n):
            def f(x):
                return x + n if x < 2 else f(x - 1)
            return f
        return dumps(outer(5), protocol=proto)
    if case == 'cp_global':
        import numpy as np

        def g(x):
            return int(np.sum(np.arange(x)))
        return dumps(g, protocol=proto)
    if case.endswith('_class'):
        class Local:
            k = 3

            def m(self, y):
                return self.k * y
        return dumps(Local, protocol=proto)
    raise SystemExit('unknown case ' + case)


def load(data):
    # dill's pickles name dill's helpers (and `__builtin__`), which
    # `dill.loads` maps; CPython's unpickler does the rest.
    import dill
    obj = dill.loads(data)
    if isinstance(obj, C):
        return 'x=%r' % obj.__dict__.get('x')
    if isinstance(obj, type):
        return '%s m(4)=%r' % (obj.__qualname__, obj().m(4))
    return '%s(3)=%r' % (obj.__qualname__, obj(3))


if __name__ == '__main__':
    if sys.argv[1] == 'make':
        sys.stdout.buffer.write(make(sys.argv[2], int(sys.argv[3])))
    else:
        try:
            print(load(sys.stdin.buffer.read()))
        except Exception as e:
            print('%s: %s' % (type(e).__name__, e))
