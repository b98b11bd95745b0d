"""Training throughput of the same NB201 network in PyTorch on the CPU: the peer clnas is measured against.
usage: /usr/bin/python3 bench/pytorch_train.py ARCH C N BATCH STEPS [THREADS] [DEVICE]
Prints one JSON object with train_images_per_second. Random 1x28x28 inputs, SGD Nesterov as in clnas.

DARTS (the module of DARTS_REF, default /work/shared/reference/darts/darts_ref.py), DARTS' recipe:
usage: /usr/bin/python3 bench/pytorch_train.py darts [--arch DARTS_V2] [--channels 16] [--layers 8] [--batch 96]
           [--steps S | --epochs E --data DIR [--train-subset N] [--test-subset N]] [--threads T] [--seed S]
--steps S: S steps on random inputs, train_images_per_second (after 3 warm-up steps).
--epochs E: trains on the IDX data in DIR (Fashion-MNIST) as `clnas train --recipe darts --augment none --cutout 0`
does: SGD lr 0.025 with the cosine per epoch, momentum 0.9, no Nesterov, weight decay 3e-4, gradient norm clipped
at 5, drop-path 0.2 * epoch / epochs, no auxiliary head, no augmentation, input (x/255 - 0.2860) / 0.3530, shuffled
per epoch, the short last batch dropped; then the test accuracy over the test set (or its first N images)."""
import json, os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "reference"))
import torch


def read_idx(path):
    """An IDX file (gzipped or not) as a uint8 tensor of its dimensions."""
    import gzip
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def load_split(data_dir, prefix):
    def find(name):
        for n in (name, name + ".gz"):
            if os.path.exists(os.path.join(data_dir, n)):
                return os.path.join(data_dir, n)
        raise SystemExit("%s: no %s[.gz]" % (data_dir, name))
    x = read_idx(find(prefix + "-images-idx3-ubyte")).float().div(255).sub(0.2860).div(0.3530).unsqueeze(1)
    y = read_idx(find(prefix + "-labels-idx1-ubyte")).long()
    return x, y


def darts_main(argv):
    import argparse
    import math
    ap = argparse.ArgumentParser(prog="pytorch_train.py darts")
    ap.add_argument("--arch", default="DARTS_V2")
    ap.add_argument("--channels", type=int, default=16)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--batch", type=int, default=96)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=0)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--train-subset", type=int, default=0)
    ap.add_argument("--test-subset", type=int, default=0)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--drop-path", type=float, default=0.2)
    a = ap.parse_args(argv)
    ref = os.environ.get("DARTS_REF", "/work/shared/reference/darts/darts_ref.py")
    sys.path.insert(0, os.path.dirname(os.path.abspath(ref)))
    import darts_ref
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    g = darts_ref.NAMED_GENOTYPES[a.arch] if a.arch in darts_ref.NAMED_GENOTYPES else darts_ref.parse_genotype(a.arch)
    net = darts_ref.NetworkCIFAR(a.channels, 10, a.layers, g, in_channels=1, auxiliary=False).train()
    opt = torch.optim.SGD(net.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4, nesterov=False)
    out = {"space": "darts", "arch": a.arch, "channels": a.channels, "layers": a.layers, "batch": a.batch,
           "threads": a.threads, "torch": torch.__version__,
           "params": sum(p.numel() for p in net.parameters())}

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        logits, _ = net(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        return loss, logits

    if a.epochs == 0:  # throughput on random inputs, DARTS' step (drop-path at its full 0.2, clipping)
        steps = a.steps or 10
        net.drop_path_prob = a.drop_path
        x = torch.randn(a.batch, 1, 28, 28)
        y = torch.randint(0, 10, (a.batch,))
        for _ in range(3):
            step(x, y)
        t0 = time.perf_counter()
        for _ in range(steps):
            step(x, y)
        seconds = time.perf_counter() - t0
        out.update({"steps": steps, "train_images_per_second": steps * a.batch / seconds})
        print(json.dumps(out))
        return
    xtr, ytr = load_split(a.data, "train")
    xte, yte = load_split(a.data, "t10k")
    if a.train_subset:
        xtr, ytr = xtr[:a.train_subset], ytr[:a.train_subset]
    if a.test_subset:
        xte, yte = xte[:a.test_subset], yte[:a.test_subset]
    per_epoch = len(xtr) // a.batch
    shuffle = torch.Generator().manual_seed(a.seed)
    t_start = time.perf_counter()
    t_timed, timed_images, steps = None, 0, 0
    for epoch in range(a.epochs):
        for group in opt.param_groups:  # CosineAnnealingLR(T_max=epochs, eta_min=0) stepped per epoch
            group["lr"] = 0.5 * 0.025 * (1 + math.cos(math.pi * epoch / a.epochs))
        net.drop_path_prob = a.drop_path * epoch / a.epochs
        order = torch.randperm(len(xtr), generator=shuffle)
        correct = total = 0
        loss_sum = 0.0
        for b in range(per_epoch):
            idx = order[b * a.batch:(b + 1) * a.batch]
            loss, logits = step(xtr[idx], ytr[idx])
            steps += 1
            if t_timed is None:
                t_timed = time.perf_counter()  # the first step left out of the rate, as clnas does
            else:
                timed_images += a.batch
            loss_sum += loss.item()
            correct += (logits.argmax(1) == ytr[idx]).sum().item()
            total += a.batch
        print("epoch %d/%d  lr %.5f  train loss %.4f  train acc %.4f" % (epoch + 1, a.epochs, opt.param_groups[0]["lr"],
              loss_sum / max(per_epoch, 1), correct / max(total, 1)), file=sys.stderr)
    seconds = time.perf_counter() - t_start
    rate = timed_images / (time.perf_counter() - t_timed) if timed_images else 0.0
    train_accuracy = correct / max(total, 1)  # of the last epoch
    net.eval()
    test_correct = 0
    with torch.no_grad():
        for b in range(0, len(xte), 256):
            logits, _ = net(xte[b:b + 256])
            test_correct += (logits.argmax(1) == yte[b:b + 256]).sum().item()
    out.update({"epochs": a.epochs, "steps": steps, "train_loss": loss_sum / max(per_epoch, 1),
                "train_accuracy": train_accuracy, "test_accuracy": test_correct / len(xte), "test_images": len(xte),
                "train_images_per_second": rate, "seconds": seconds})
    print(json.dumps(out))


if len(sys.argv) > 1 and sys.argv[1] == "darts":
    darts_main(sys.argv[2:])
    sys.exit(0)

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
