"""Every small cyclic shape of lists, tuples and dicts, pickled by CPython.

A shape is up to 3 containers (node 0 is the root), each a list, tuple or
dict holding up to 2 of the nodes (a dict maps 0, 1 to them). Kept: shapes
where every node is reachable from the root, with a cycle, that Python can
build (a cycle needs a list or dict on it). For each, at protocols 0-5, one
line: protocol, the C pickler's bytes and pickletools.optimize of them (hex).
"""
import itertools
import pickle
import pickletools
import sys

KINDS = "ltd"


def build(kinds, kids):
    n = len(kinds)
    objs = [None] * n
    for i, k in enumerate(kinds):
        if k == "l":
            objs[i] = []
        elif k == "d":
            objs[i] = {}
    # Tuples in an order where each tuple's tuple children exist first.
    pending = [i for i in range(n) if kinds[i] == "t"]
    while pending:
        ready = [i for i in pending if all(objs[c] is not None for c in kids[i])]
        if not ready:
            return None  # a cycle of tuples only
        for i in ready:
            objs[i] = tuple(objs[c] for c in kids[i])
            pending.remove(i)
    for i, k in enumerate(kinds):
        if k == "l":
            objs[i].extend(objs[c] for c in kids[i])
        elif k == "d":
            objs[i].update((j, objs[c]) for j, c in enumerate(kids[i]))
    return objs[0]


def cyclic(kids):
    n = len(kids)
    seen, order = {0}, [0]
    for i in order:
        for c in kids[i]:
            if c not in seen:
                seen.add(c)
                order.append(c)
    if len(seen) != n:
        return False
    # A cycle: some node reaches itself.
    for s in range(n):
        stack, vis = list(kids[s]), set()
        while stack:
            x = stack.pop()
            if x == s:
                return True
            if x not in vis:
                vis.add(x)
                stack.extend(kids[x])
    return False


def main():
    out = sys.stdout
    for n in range(1, 4):
        child_lists = [()] + [(a,) for a in range(n)] + list(itertools.product(range(n), repeat=2))
        for kinds in itertools.product(KINDS, repeat=n):
            for kids in itertools.product(child_lists, repeat=n):
                if not cyclic(kids):
                    continue
                root = build(kinds, kids)
                if root is None:
                    continue
                for proto in range(6):
                    data = pickle.dumps(root, proto)
                    opt = pickletools.optimize(data)
                    out.write(f"{''.join(kinds)}:{kids} {proto} {data.hex()} {opt.hex()}\n")


main()
