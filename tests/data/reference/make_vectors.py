"""Writes PyTorch reference vectors for one NB201 network: weights, a batch, and what one training step gives.
usage: make_vectors.py ARCH C N BATCH H SEED OUTDIR [CIN]
clnas copy: adds CIN (input channels, default 1) and skips the gradients PyTorch leaves as None (parameters of
edges that cannot reach a cell's output)."""
import sys, os, json, struct, torch, torch.nn as nn
from nb201_ref import NB201, save
arch, C, N, B, H, seed, out = sys.argv[1], *map(int, sys.argv[2:7]), sys.argv[7]
cin = int(sys.argv[8]) if len(sys.argv) > 8 else 1
torch.manual_seed(seed); os.makedirs(out, exist_ok=True)
net = NB201(arch, C, N, cin)
for m in net.modules():  # non-trivial BN affine parameters and running stats, so nothing is checked at 1 and 0 only
    if isinstance(m, nn.BatchNorm2d):
        m.weight.data.uniform_(0.5, 1.5); m.bias.data.uniform_(-0.2, 0.2)
        m.running_mean.data.uniform_(-0.1, 0.1); m.running_var.data.uniform_(0.8, 1.2)
x = torch.randn(B, cin, H, H, requires_grad=True); y = torch.randint(0, 10, (B,))
params = {k: v.clone() for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
save(f"{out}/weights.safetensors", params)
net.eval()
with torch.no_grad(): logits_eval = net(x)
net.train()
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
logits = net(x); loss = nn.functional.cross_entropy(logits, y); loss.backward()
exp = {"input": x, "labels": y, "logits_eval": logits_eval, "logits_train": logits, "loss": loss.reshape(1), "grad.input": x.grad}
exp.update({"grad." + k: p.grad for k, p in net.named_parameters() if p.grad is not None})
opt.step()
exp.update({"after_step." + k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")})
save(f"{out}/expected.safetensors", exp)
meta = {"arch": arch, "channels": C, "cells": N, "batch": B, "height": H, "width": H, "in_channels": cin, "classes": 10,
        "sgd": {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4},
        "batchnorm": {"eps": 1e-5, "momentum": 0.1, "running_var": "unbiased batch variance"},
        "loss": float(loss), "torch": torch.__version__}
json.dump(meta, open(f"{out}/meta.json", "w"), indent=1)
print(out, "loss", float(loss), "params", sum(p.numel() for p in net.parameters()))
