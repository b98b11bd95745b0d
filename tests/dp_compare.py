#!/usr/bin/env python3
# clnas tests — compares two safetensors files tensor by tensor (and a DARTS/GDAS checkpoint's alpha metadata):
# `same` passes when every tensor agrees within TOL of its own scale (max |a|, at least 1e-3), `differ` when some
# tensor is farther apart than TOL (the check that the comparison can fail). Prints the largest relative difference.
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        head = json.loads(f.read(n))
        data = f.read()
    meta = head.pop("__metadata__", {})
    out = {}
    for name, t in head.items():
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=DTYPES[t["dtype"]]).astype(np.float64).reshape(t["shape"])
    if "alpha" in meta:
        alpha = json.loads(meta["alpha"])
        out["alpha"] = np.array(alpha["alpha"], dtype=np.float64)
    return out


def main():
    mode, a_path, b_path, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    a, b = read(a_path), read(b_path)
    if sorted(a) != sorted(b):
        sys.exit(f"FAIL: {a_path} and {b_path} hold different tensors")
    worst, where = 0.0, ""
    for name in a:
        scale = max(float(np.max(np.abs(a[name]))) if a[name].size else 0.0, 1e-3)
        rel = float(np.max(np.abs(a[name] - b[name]))) / scale if a[name].size else 0.0
        if rel > worst:
            worst, where = rel, name
    print(f"largest relative difference {worst:.3g} ({where}) over {len(a)} tensors")
    if mode == "same" and worst > tol:
        sys.exit(f"FAIL: {where} differs by {worst:.3g} of its scale, more than {tol}")
    if mode == "differ" and worst <= tol:
        sys.exit(f"FAIL: the files agree within {tol}: the comparison could not tell them apart")


main()
