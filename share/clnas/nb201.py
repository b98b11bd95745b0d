"""clnas: the NAS-Bench-201 network as a plain PyTorch module, with the parameter names clnas writes.

clnas's weights files (clnas train --save) are safetensors whose tensor names are this module's state_dict keys
and whose metadata names the network (arch, channels, cells, in_channels, classes) and the input normalisation
(mean, std per channel of pixel / 255). Only torch and the standard library are needed:

    import sys; sys.path.insert(0, "/usr/local/share/clnas")    # where `cmake --install` put this file
    from nb201 import load_clnas, normalise
    model, meta = load_clnas("w.safetensors"); logits = model(normalise(images, meta))   # uint8 N x C x H x W

Names: stem.conv / stem.bn; cells.K.edges.J_I.conv / .bn for a convolution on the edge from node I to node J of
cell K (cells are numbered through the network, reduction blocks included); cells.K.conv_a, cells.K.conv_b and
cells.K.shortcut.conv for a reduction block; head.bn; classifier.
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

from safetensors_read import read_safetensors  # clnas export puts the reader's text here

# The edges of a cell in arch-string order: (to, from).
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


def parse_arch(arch):
    """The six edge ops of an NB201 arch string such as |nor_conv_3x3~0|+|skip_connect~0|none~1|+|...|."""
    ops = []
    for j, node in enumerate(arch.split("+"), start=1):
        terms = [t for t in node.split("|") if t]
        if len(terms) != j:
            raise ValueError(f"arch {arch!r}: node {j} lists {len(terms)} edges, expected {j}")
        for i, term in enumerate(terms):
            op, _, src = term.partition("~")
            if op not in OPS or src != str(i):
                raise ValueError(f"arch {arch!r}: edge {term!r}, expected an op of {OPS} and ~{i}")
            ops.append(op)
    if len(ops) != 6:
        raise ValueError(f"arch {arch!r}: {len(ops)} edges, expected 6")
    return ops


class ReLUConvBN(nn.Module):
    """ReLU, a bias-free k x k convolution (padding k // 2), BatchNorm."""

    def __init__(self, c_in, c_out, k, stride):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        return self.bn(self.conv(F.relu(x)))


class Stem(nn.Module):
    """A bias-free 3 x 3 convolution and BatchNorm, no ReLU before it."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        return self.bn(self.conv(x))


class Cell(nn.Module):
    """Node j is the sum over the edges into it of op(node i); the cell's output is node 3."""

    def __init__(self, ops, c):
        super().__init__()
        self.ops = list(ops)
        self.edges = nn.ModuleDict()
        for (j, i), op in zip(EDGES, self.ops):
            if op.startswith("nor_conv_"):
                self.edges[f"{j}_{i}"] = ReLUConvBN(c, c, 1 if op == "nor_conv_1x1" else 3, 1)

    def forward(self, x):
        nodes = [x]
        for j in (1, 2, 3):
            total = torch.zeros_like(x)
            for (to, i), op in zip(EDGES, self.ops):
                if to != j or op == "none":
                    continue
                if op == "skip_connect":
                    total = total + nodes[i]
                elif op == "avg_pool_3x3":
                    total = total + F.avg_pool2d(nodes[i], 3, stride=1, padding=1, count_include_pad=False)
                else:
                    total = total + self.edges[f"{j}_{i}"](nodes[i])
            nodes.append(total)
        return nodes[3]


class Shortcut(nn.Module):
    """2 x 2 stride-2 average pool, then a bias-free 1 x 1 convolution (no BatchNorm)."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 1, bias=False)

    def forward(self, x):
        return self.conv(F.avg_pool2d(x, 2, stride=2))


class ReductionBlock(nn.Module):
    """The residual block between stages: halves height and width, doubles the channels."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        self.shortcut = Shortcut(c_in, c_out)

    def forward(self, x):
        return self.conv_b(self.conv_a(x)) + self.shortcut(x)


class Head(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bn = nn.BatchNorm2d(c)


class NB201(nn.Module):
    """Stem, three stages of `cells` cells with a reduction block between stages, BatchNorm, ReLU, global average
    pool, linear classifier. Height and width must be divisible by 4."""

    def __init__(self, arch, channels=16, cells=5, in_channels=1, classes=10):
        super().__init__()
        ops = parse_arch(arch)
        self.stem = Stem(in_channels, channels)
        blocks, c = [], channels
        for stage in range(3):
            if stage:
                blocks.append(ReductionBlock(c, 2 * c))
                c *= 2
            blocks.extend(Cell(ops, c) for _ in range(cells))
        self.cells = nn.ModuleList(blocks)
        self.head = Head(c)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        x = self.stem(x)
        for block in self.cells:
            x = block(x)
        x = F.relu(self.head.bn(x)).mean(dim=(2, 3))
        return self.classifier(x)


def load_clnas(path):
    """The network a clnas weights file was saved for, with its weights, in eval mode; and the file's metadata
    (mean and std decoded to lists of floats, sizes to ints)."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") != "clnas" or "arch" not in meta:
        raise ValueError(f"{path}: no clnas metadata (format, arch): build NB201(arch, C, N) yourself and call "
                         "load_state_dict(read_safetensors(path)[0])")
    info = dict(meta)
    for key in ("channels", "cells", "in_channels", "height", "width", "classes"):
        if key in meta:
            info[key] = int(meta[key])
    for key in ("mean", "std"):
        if key in meta:
            info[key] = [float(v) for v in json.loads(meta[key])]
    model = NB201(meta["arch"], info.get("channels", 16), info.get("cells", 5), info.get("in_channels", 1),
                  info.get("classes", 10))
    model.load_state_dict(tensors)
    return model.eval(), info


def normalise(images, info):
    """(pixel / 255 - mean[c]) / std[c] of uint8 (or 0..255 float) images N x C x H x W, as clnas trained."""
    x = images.to(torch.float32) / 255.0
    mean = torch.tensor(info["mean"], dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(info["std"], dtype=torch.float32).view(1, -1, 1, 1)
    return (x - mean) / std
