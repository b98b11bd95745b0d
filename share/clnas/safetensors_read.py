"""clnas: a reader of safetensors files in plain Python and torch (the safetensors package is not needed).

`clnas export` copies this file's text into every module it writes, in place of the import line of nb201.py and
darts.py, so that the exported module stands alone.
"""
import json
import struct

import torch

_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64}


def read_safetensors(path):
    """(tensors by name, metadata dict) of a safetensors file, without the safetensors package."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    meta = header.pop("__metadata__", {})
    base, tensors = 8 + length, {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = _DTYPES[entry["dtype"]]
        chunk = bytearray(raw[base + begin:base + end])
        flat = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors, meta
