"""Put pickles into the containers they travel in, as their producers lay
them out, for `pickletool scan` tests. Nothing here loads a pickle.

    python scan_containers.py KIND < pickle.bin > out.json

KIND: torch_zip (torch.save since 1.6: a stored zip, the model at
archive/data.pkl), legacy_torch (torch.save(..., _use_new_zipfile_serialization=False):
magic, protocol, sys info, model, storage keys, raw storages), npy (an
object-dtype .npy: numpy's header, then the pickle), npz
(np.savez_compressed: a deflated zip of .npy members).

Output JSON: {"hex": container bytes, "place": the prefix pickletool puts
on the pickle's lines, "base": offset of the pickle in that member,
"pickle_shift": pickles before it in the same run, "trailing": bytes
after the last pickle that a loader reads raw}.
"""
import io
import json
import pickle
import sys
import zipfile

import numpy as np

# torch.serialization's constants.
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


def npy_header(descr, shape):
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        f, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return f.getvalue()


def main():
    kind = sys.argv[1]
    payload = sys.stdin.buffer.read()
    place, base, shift, trailing = "", 0, 0, 0
    if kind == "torch_zip":
        f = io.BytesIO()
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
            z.writestr("archive/data.pkl", payload)
            z.writestr("archive/byteorder", "little")
            # Tensor bytes that look like a pickle: never unpickled, not scanned.
            z.writestr("archive/data/0", b"\x80\x02cos\nsystem\n.")
            z.writestr("archive/version", "3\n")
        out = f.getvalue()
        place = "member archive/data.pkl: "
    elif kind == "legacy_torch":
        head = b"".join(
            pickle.dumps(x, protocol=2)
            for x in (MAGIC_NUMBER, PROTOCOL_VERSION, {"protocol_version": PROTOCOL_VERSION, "little_endian": True})
        )
        keys = pickle.dumps(["0"], protocol=2)
        storage = (4).to_bytes(8, "little") + b"\x80\x02cos\nsystem\n."
        out = head + payload + keys + storage
        trailing = len(storage)
        base, shift = len(head), 3
    elif kind == "npy":
        header = npy_header("|O", (1,))
        out = header + payload
        base = len(header)
    elif kind == "npz":
        header = npy_header("|O", (1,))
        floats = io.BytesIO()
        np.save(floats, np.arange(3.0))
        f = io.BytesIO()
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("floats.npy", floats.getvalue())
            z.writestr("objects.npy", header + payload)
        out = f.getvalue()
        place, base = "member objects.npy: ", len(header)
    else:
        sys.exit(f"unknown kind {kind}")
    json.dump(
        {"hex": out.hex(), "place": place, "base": base, "pickle_shift": shift, "trailing": trailing},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
