"""Peak memory of one NB201 training step in PyTorch, the figure clnas's arena is compared with.
usage: /usr/bin/python3 bench/pytorch_memory.py ARCH C N BATCH [STEPS] [DEVICE]
Prints one JSON object. On the CPU: the growth of the process's peak resident set (resource.getrusage) over
STEPS training steps (default 2), measured from after the network, its parameters and the batch exist, so it
holds activations, gradients, the optimizer's momentum and the allocator's slack. On CUDA:
torch.cuda.max_memory_allocated over the steps, less what was allocated before them."""
import json, os, resource, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "reference"))
import torch
from nb201_ref import NB201

arch, C, N, B = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
steps = int(sys.argv[5]) if len(sys.argv) > 5 else 2
device = sys.argv[6] if len(sys.argv) > 6 else "cpu"
torch.manual_seed(0)
net = NB201(arch, C, N).to(device).train()
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True)
x = torch.randn(B, 1, 28, 28, device=device)
y = torch.randint(0, 10, (B,), device=device)
params = sum(p.numel() * p.element_size() for p in net.parameters())

def rss_peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux

if device != "cpu":
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
else:
    before = rss_peak()
for _ in range(steps):
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
if device != "cpu":
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() - before
    what = "torch.cuda.max_memory_allocated growth"
else:
    peak = rss_peak() - before
    what = "peak RSS growth"
print(json.dumps({"arch": arch, "channels": C, "cells": N, "batch": B, "steps": steps, "device": device,
                  "torch": torch.__version__, "parameter_bytes": params, "peak_bytes": peak, "measure": what}))
