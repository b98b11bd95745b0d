"""Zero-cost proxies of the PyTorch reference networks (tests/data/reference/<case>/), in float64, for
tests/test_zero_cost.c: each case's weights and input batch, BatchNorm on batch statistics (training mode), one
forward and one backward of the mean cross-entropy, then (Abdelfattah et al. 2021, over Conv2d and Linear weights
whose gradient PyTorch computes: an edge that cannot reach the output gets none)
  snip      = sum |w * dL/dw|        grad_norm = sum over layers of ||dL/dw||_2
  params    = elements of every parameter with a gradient.
usage: /usr/bin/python3 make_zero_cost.py > reference.json"""
import json, os, struct, sys
import numpy as np, torch, torch.nn as nn
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "reference"))
from nb201_ref import NB201

def load(path):  # safetensors: u64 header length, JSON header, raw little-endian data (F32, I64)
    raw = open(path, "rb").read(); n = struct.unpack("<Q", raw[:8])[0]; header = json.loads(raw[8:8 + n]); out = {}
    for name, h in header.items():
        if name == "__metadata__": continue
        a, b = h["data_offsets"]; dt = {"F32": np.float32, "I64": np.int64}[h["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + a:8 + n + b], dtype=dt).reshape(h["shape"]).copy())
    return out

def scores(case):
    d = os.path.join(here, "..", "reference", case); meta = json.load(open(os.path.join(d, "meta.json")))
    net = NB201(meta["arch"], meta["channels"], meta["cells"], meta["in_channels"]).double()
    weights = load(os.path.join(d, "weights.safetensors"))
    net.load_state_dict({k: v.double() for k, v in weights.items()}, strict=False)
    exp = load(os.path.join(d, "expected.safetensors"))
    net.train()
    loss = nn.functional.cross_entropy(net(exp["input"].double()), exp["labels"].long()); loss.backward()
    snip = grad_norm = 0.0; params = 0
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.grad is not None:
            snip += float((m.weight * m.weight.grad).abs().sum()); grad_norm += float(m.weight.grad.norm())
    for p in net.parameters():
        if p.grad is not None: params += p.numel()
    return {"snip": snip, "grad_norm": grad_norm, "params": params}

cases = ["nb201-best-c4n1", "nb201-dead-c4n1", "nb201-mix-c4n2", "nb201-zero-c4n1", "nb201-light-c3n1-rgb"]
json.dump({"torch": torch.__version__, "dtype": "float64", "cases": {c: scores(c) for c in cases}}, sys.stdout,
          indent=1)
print()
