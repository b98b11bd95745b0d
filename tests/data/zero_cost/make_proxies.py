"""synflow, NASWOT and jacob_cov of the PyTorch reference networks (tests/data/reference/<case>/), in float64, for
tests/test_zero_cost_proxies.c, each with the case's weights (and, for NASWOT and jacob_cov, its input batch), as
Abdelfattah et al. 2021 (zero-cost-nas) compute them:
  synflow   BatchNorm removed (identity), every parameter replaced by its absolute value, one input image of ones,
            R = sum of the logits, sum over Conv2d and Linear weights of |w * dR/dw|
  naswot    (Mellor et al. 2021) training-mode forward of the batch, hooks on every ReLU: c = (input > 0) per image,
            K = c c^T + (1 - c)(1 - c)^T summed over the ReLUs, score = slogdet(K)[1]
  jacob_cov (Mellor et al. v1) training-mode forward, backward of the sum of the logits, J = d/d(input) one row per
            image, eigenvalues v of numpy.corrcoef(J), score = -sum(log(v + k) + 1 / (v + k)), k = 1e-5
The cases are those whose every ReLU clnas computes (no pruned edge, no all-zero node; clnas does not compute the
ReLUs PyTorch computes and discards there).
usage: /usr/bin/python3 make_proxies.py > proxies.json"""
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

def network(case, bn):
    d = os.path.join(here, "..", "reference", case); meta = json.load(open(os.path.join(d, "meta.json")))
    net = NB201(meta["arch"], meta["channels"], meta["cells"], meta["in_channels"]).double()
    weights = load(os.path.join(d, "weights.safetensors"))
    net.load_state_dict({k: v.double() for k, v in weights.items()}, strict=False)
    if not bn:  # BatchNorm as the identity
        for name, m in list(net.named_modules()):
            for cname, child in list(m.named_children()):
                if isinstance(child, nn.BatchNorm2d): setattr(m, cname, nn.Identity())
    x = load(os.path.join(d, "expected.safetensors"))["input"].double()
    return net, x

def synflow(case):
    net, x = network(case, bn=False)
    with torch.no_grad():
        for p in net.state_dict().values(): p.abs_()
    net.train(); net.zero_grad()
    out = net(torch.ones([1] + list(x.shape[1:]), dtype=torch.float64)); torch.sum(out).backward()
    return sum(float((m.weight * m.weight.grad).abs().sum()) for m in net.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.grad is not None)

def naswot(case):
    net, x = network(case, bn=True); net.train(); n = x.shape[0]; K = np.zeros((n, n))
    relu = torch.relu
    def hooked(t):  # nb201_ref applies torch.relu: each call is one ReLU module of zero-cost-nas' NB201
        nonlocal K
        c = (t.detach().reshape(n, -1) > 0).double()
        K = K + (c @ c.t()).numpy() + ((1 - c) @ (1 - c).t()).numpy()
        return relu(t)
    torch.relu = hooked
    try:
        with torch.no_grad(): net(x)
    finally:
        torch.relu = relu
    return float(np.linalg.slogdet(K)[1]), K

def jacob_cov(case):
    net, x = network(case, bn=True); net.train(); x.requires_grad_(True)
    y = net(x); y.backward(torch.ones_like(y))
    J = x.grad.detach().reshape(x.shape[0], -1).numpy()
    v, _ = np.linalg.eig(np.corrcoef(J)); k = 1e-5
    return float(-np.sum(np.log(v.real + k) + 1. / (v.real + k)))

cases = ["nb201-best-c4n1", "nb201-light-c3n1-rgb", "nb201-mix-c4n2"]
out = {}
for c in cases:
    s, K = naswot(c)
    out[c] = {"synflow": synflow(c), "naswot": s, "naswot_units": int(K[0, 0]), "jacob_cov": jacob_cov(c)}
json.dump({"torch": torch.__version__, "dtype": "float64", "cases": out}, sys.stdout, indent=1)
print()
