#!/usr/bin/python3
# clnas — PyTorch vectors of the DARTS cell space's pools and FactorizedReduce's subsample (issue 13), read by
# tests/test_darts_ops_graph.c. Run with Debian's python3 (torch): /usr/bin/python3 make_vectors.py > vectors.txt
# Each line: name, element count, values (%.17g). x sits on a grid of 0.5 so windows hold ties (the max pool's
# first-maximum rule) and zeros (the ReLU mask's x <= 0).
import torch
import torch.nn.functional as F

torch.manual_seed(13)
N, C, H, W = 3, 2, 7, 5
x = (torch.rand(N, C, H, W, dtype=torch.float64) * 6).floor() / 2 - 1.5
dy = torch.rand(N * C * H * W, dtype=torch.float64) - 0.5


def line(name, t):
    v = t.reshape(-1).tolist()
    print(name, len(v), " ".join("%.17g" % e for e in v))


def case(name, fn):
    xx = x.clone().requires_grad_()
    y = fn(xx)
    y.backward(dy[: y.numel()].reshape(y.shape))
    line(name + "_y", y.detach())
    line(name + "_dx", xx.grad)


print("# N C H W = %d %d %d %d; made by make_vectors.py with torch %s" % (N, C, H, W, torch.__version__))
line("x", x)
line("dy", dy)
for s in (1, 2):
    case("max_s%d" % s, lambda t: F.max_pool2d(t, 3, s, 1))
    case("avg_s%d" % s, lambda t: F.avg_pool2d(t, 3, s, 1, count_include_pad=False))
for o in (0, 1):
    case("sub_o%d" % o, lambda t: F.relu(t)[:, :, o::2, o::2])
