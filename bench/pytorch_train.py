"""Training throughput of the same NB201 network in PyTorch on the CPU: the peer clnas is measured against.
usage: /usr/bin/python3 bench/pytorch_train.py ARCH C N BATCH STEPS [THREADS] [DEVICE]
Prints one JSON object with train_images_per_second. Random 1x28x28 inputs, SGD Nesterov as in clnas."""
import json, os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "reference"))
import torch
from nb201_ref import NB201

arch, C, N, B, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
threads = int(sys.argv[6]) if len(sys.argv) > 6 else os.cpu_count()
device = sys.argv[7] if len(sys.argv) > 7 else "cpu"
torch.set_num_threads(threads)
torch.manual_seed(0)
net = NB201(arch, C, N).to(device).train()
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True)
x = torch.randn(B, 1, 28, 28, device=device)
y = torch.randint(0, 10, (B,), device=device)

def step():
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return loss

for _ in range(3):
    step()
if device != "cpu":
    torch.cuda.synchronize()
t0 = time.perf_counter()
for _ in range(steps):
    step()
if device != "cpu":
    torch.cuda.synchronize()
seconds = time.perf_counter() - t0
print(json.dumps({"arch": arch, "channels": C, "cells": N, "batch": B, "steps": steps, "threads": threads,
                  "device": device, "torch": torch.__version__, "train_images_per_second": steps * B / seconds}))
