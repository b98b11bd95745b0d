"""clnas: a network of the chain-structured space (docs/SPACE_CHAIN.md) as a plain PyTorch module.

Its state_dict keys are the names clnas gives the chain network's parameters (codegen/build_chain.c), so the
weights clnas saves for a chain network load with load_state_dict(strict=True). Only torch and the standard
library are needed:

    import sys; sys.path.insert(0, "/usr/local/share/clnas")    # where `cmake --install` put this file
    from chain import ChainNetwork, read_safetensors
    model = ChainNetwork("conv3x3-32 | sepconv5x5-64/s2 | maxpool3x3 + cat(1)", channels=16, in_channels=1)
    model.load_state_dict(read_safetensors("weights.safetensors")[0])

Names: layers.0.conv / layers.0.bn (the stem: a 3 x 3 convolution to C channels, BatchNorm); layer I (1-based, the
I-th of the string) layers.I.conv / layers.I.bn (convKxK-F), layers.I.depthwise / .pointwise / .bn (sepconvKxK-F);
pools and identity hold nothing; classifier.
"""
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

from safetensors_read import read_safetensors  # noqa: F401 (for loading weights; clnas export puts its text here)

FILTERS = (16, 32, 64, 128)
MAX_LAYERS, MAX_SKIPS = 20, 7
_LAYER = re.compile(r"^(?:(conv|sepconv)([0-9]+)x([0-9]+)-([0-9]+)|(maxpool3x3|avgpool3x3|identity))"
                    r"(/s2)?(?:\+(skip|cat)\(([0-9]+(?:,[0-9]+)*)\))?$")


def parse_chain(arch):
    """The layers of a chain genotype string, each a dict: op, k, filters, stride, join ('skip' or 'cat'), skips.
    The shape rules (sums of one shape, concatenations of one spatial size) are checked when the network is built."""
    layers = []
    for i, text in enumerate(arch.split("|"), start=1):
        m = _LAYER.match(re.sub(r"[ \t]", "", text))
        if not m:
            raise ValueError(f"chain genotype {arch!r}: layer {i} {text.strip()!r} is not op[/s2][+skip(..)|+cat(..)]")
        op, k1, k2, f, other, s2, join, skips = m.groups()
        layer = {"op": op or other, "k": int(k1) if k1 else 0, "filters": int(f) if f else 0,
                 "stride": 2 if s2 else 1, "join": join or "skip",
                 "skips": [int(j) for j in skips.split(",")] if skips else []}
        if op and (k1 != k2 or layer["k"] not in ((1, 3, 5, 7) if op == "conv" else (3, 5))
                   or layer["filters"] not in FILTERS):
            raise ValueError(f"chain genotype {arch!r}: layer {i}: kernel sizes 1, 3, 5, 7 (conv) or 3, 5 (sepconv), "
                             f"filters {FILTERS}")
        if layer["op"] == "identity" and s2:
            raise ValueError(f"chain genotype {arch!r}: layer {i}: identity cannot be strided")
        if len(layer["skips"]) > MAX_SKIPS or len(set(layer["skips"])) != len(layer["skips"]) or \
                any(j > i - 2 for j in layer["skips"]):
            raise ValueError(f"chain genotype {arch!r}: layer {i}: at most {MAX_SKIPS} distinct skips from outputs "
                             f"0..{i - 2}")
        layers.append(layer)
    if not 1 <= len(layers) <= MAX_LAYERS:
        raise ValueError(f"chain genotype {arch!r}: {len(layers)} layers, expected 1..{MAX_LAYERS}")
    return layers


class Layer(nn.Module):
    """One layer on its joined input: convKxK-F (ReLU, conv, BN), sepconvKxK-F (ReLU, depthwise, pointwise 1 x 1,
    BN), a 3 x 3 pool with padding 1 (the average does not count the padding) or identity, at the layer's stride."""

    def __init__(self, spec, c_in):
        super().__init__()
        self.op, k, s = spec["op"], spec["k"], spec["stride"]
        self.stride = s
        if self.op == "conv":
            self.conv = nn.Conv2d(c_in, spec["filters"], k, stride=s, padding=k // 2, bias=False)
        elif self.op == "sepconv":
            self.depthwise = nn.Conv2d(c_in, c_in, k, stride=s, padding=k // 2, groups=c_in, bias=False)
            self.pointwise = nn.Conv2d(c_in, spec["filters"], 1, bias=False)
        if self.op in ("conv", "sepconv"):
            self.bn = nn.BatchNorm2d(spec["filters"])
        self.c_out = spec["filters"] if self.op in ("conv", "sepconv") else c_in

    def forward(self, x):
        if self.op == "conv":
            return self.bn(self.conv(F.relu(x)))
        if self.op == "sepconv":
            return self.bn(self.pointwise(self.depthwise(F.relu(x))))
        if self.op == "maxpool3x3":
            return F.max_pool2d(x, 3, self.stride, 1)
        if self.op == "avgpool3x3":
            return F.avg_pool2d(x, 3, self.stride, 1, count_include_pad=False)
        return x


class Stem(nn.Module):
    """A bias-free 3 x 3 convolution to C channels and BatchNorm, no ReLU before it."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        return self.bn(self.conv(x))


class ChainNetwork(nn.Module):
    """The stem (output 0), then layer i reads output i-1 summed with (skip) or concatenated on channels to (cat, in
    the listed order) its skips' outputs and writes output i; ReLU, global average pooling and a linear classifier
    after the last. A sum of outputs with other channels or a concatenation of other spatial sizes is refused
    (clnas refuses more: channels that agree only at this C, see docs/SPACE_CHAIN.md)."""

    def __init__(self, arch, channels=16, in_channels=1, classes=10):
        super().__init__()
        self.specs = parse_chain(arch)
        c, level = [channels], [0]
        self.layers = nn.ModuleList([Stem(in_channels, channels)])
        for i, spec in enumerate(self.specs, start=1):
            c_in = c[i - 1]
            for j in spec["skips"]:
                if level[j] != level[i - 1]:
                    raise ValueError(f"layer {i}: output {j} has another spatial size than output {i - 1}")
                if spec["join"] == "cat":
                    c_in += c[j]
                elif c[j] != c[i - 1]:
                    raise ValueError(f"layer {i}: output {j} has {c[j]} channels, output {i - 1} {c[i - 1]}: no sum")
            layer = Layer(spec, c_in)
            self.layers.append(layer)
            c.append(layer.c_out)
            level.append(level[i - 1] + (spec["stride"] == 2))
        self.classifier = nn.Linear(c[-1], classes)

    def forward(self, x):
        outs = [self.layers[0](x)]
        for i, spec in enumerate(self.specs, start=1):
            terms = [outs[i - 1]] + [outs[j] for j in spec["skips"]]
            if len(terms) == 1:
                y = terms[0]
            elif spec["join"] == "cat":
                y = torch.cat(terms, dim=1)
            else:
                y = terms[0]
                for t in terms[1:]:
                    y = y + t
            outs.append(self.layers[i](y))
        return self.classifier(F.relu(outs[-1]).mean(dim=(2, 3)))
