"""clnas: the evaluation network of the DARTS cell space (Liu et al., DARTS, ICLR 2019) as a plain PyTorch module.

Its state_dict keys and shapes are DARTS' own (quark0/darts cnn/model.py), so DARTS checkpoints, the reference
weights of clnas's tests and the weights `clnas export --space darts` writes load with load_state_dict(strict=True).
Only torch and the standard library are needed:

    import sys; sys.path.insert(0, "/usr/local/share/clnas")    # where `cmake --install` put this file
    from darts import Genotype, DARTSNetwork, read_safetensors
    g = Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[...])
    model = DARTSNetwork(g, channels=36, layers=20, in_channels=3, classes=10)
    model.load_state_dict(read_safetensors("weights.safetensors")[0])

A genotype is DARTS' printed form, which is Python: paste it. Names: stem.0 (conv) / stem.1 (BN);
cells.I.preprocess0 / .preprocess1 (ReLUConvBN: op.1 conv, op.2 BN; after a reduction cell preprocess0 is a
FactorizedReduce: conv_1, conv_2, bn); cells.I._ops.E for edge E of the genotype's list (sep_conv: op.1 op.2 op.3
op.5 op.6 op.7; dil_conv: op.1 op.2 op.3; stride-2 skip_connect: conv_1 conv_2 bn; pools, none and identity hold
nothing); auxiliary_head.features.2/.3/.5/.6 and auxiliary_head.classifier; classifier.
"""
import collections

import torch
import torch.nn as nn
import torch.nn.functional as F

from safetensors_read import read_safetensors  # noqa: F401 (for loading weights; clnas export puts its text here)

Genotype = collections.namedtuple("Genotype", "normal normal_concat reduce reduce_concat")
PRIMITIVES = ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
              "dil_conv_3x3", "dil_conv_5x5")
STEM_MULTIPLIER = 3


class ReLUConvBN(nn.Module):
    """ReLU, a bias-free k x k convolution, BatchNorm (op.0, op.1, op.2)."""

    def __init__(self, c_in, c_out, k, stride, padding):
        super().__init__()
        self.op = nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(c_in, c_out, k, stride, padding, bias=False),
                                nn.BatchNorm2d(c_out))

    def forward(self, x):
        return self.op(x)


class DilConv(nn.Module):
    """ReLU, depthwise k x k with dilation 2 (padding k - 1), pointwise 1 x 1, BatchNorm."""

    def __init__(self, c, k, stride):
        super().__init__()
        self.op = nn.Sequential(nn.ReLU(inplace=False),
                                nn.Conv2d(c, c, k, stride, k - 1, dilation=2, groups=c, bias=False),
                                nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return self.op(x)


class SepConv(nn.Module):
    """Twice [ReLU, depthwise k x k (padding k // 2), pointwise 1 x 1, BatchNorm]; only the first depthwise strides."""

    def __init__(self, c, k, stride):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False), nn.Conv2d(c, c, k, stride, k // 2, groups=c, bias=False),
            nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c),
            nn.ReLU(inplace=False), nn.Conv2d(c, c, k, 1, k // 2, groups=c, bias=False),
            nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return self.op(x)


class Identity(nn.Module):
    def forward(self, x):
        return x


class Zero(nn.Module):
    """The 'none' op: zeros of the output's shape (x * 0, so NaN and Inf propagate as in DARTS)."""

    def __init__(self, stride):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        return x.mul(0.0) if self.stride == 1 else x[:, :, ::self.stride, ::self.stride].mul(0.0)


class FactorizedReduce(nn.Module):
    """ReLU, then 1 x 1 stride-2 convolutions on pixels (2i, 2j) and (2i+1, 2j+1), concatenated, BatchNorm. No
    padding: height and width must be even."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def make_op(name, c, stride):
    """One edge's operation at width c; stride 2 on the edges of a reduction cell that read the cell's inputs."""
    if name == "none":
        return Zero(stride)
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == "skip_connect":
        return Identity() if stride == 1 else FactorizedReduce(c, c)
    if name in ("sep_conv_3x3", "sep_conv_5x5"):
        return SepConv(c, int(name[-1]), stride)
    if name in ("dil_conv_3x3", "dil_conv_5x5"):
        return DilConv(c, int(name[-1]), stride)
    raise ValueError(f"unknown DARTS op {name!r}: expected one of {PRIMITIVES}")


def drop_path(x, prob):
    """Each sample's path zeroed with probability prob, the kept ones scaled by 1 / (1 - prob)."""
    keep = 1.0 - prob
    mask = torch.empty(x.size(0), 1, 1, 1, dtype=x.dtype, device=x.device).bernoulli_(keep)
    return x / keep * mask


class Cell(nn.Module):
    """Preprocess the two inputs to width c; node k (state 2 + k) is the sum of edges 2k and 2k + 1, each an op on
    an earlier state; the output is the concatenation of the concat states on channels."""

    def __init__(self, ops, concat, c_prev_prev, c_prev, c, reduction, reduction_prev):
        super().__init__()
        if len(ops) != 8:
            raise ValueError(f"a DARTS cell has 8 edges (2 per node), got {len(ops)}")
        self.reduction = reduction
        self.preprocess0 = FactorizedReduce(c_prev_prev, c) if reduction_prev else ReLUConvBN(c_prev_prev, c, 1, 1, 0)
        self.preprocess1 = ReLUConvBN(c_prev, c, 1, 1, 0)
        self.inputs = [int(i) for _, i in ops]
        for e, i in enumerate(self.inputs):
            if not 0 <= i < 2 + e // 2:
                raise ValueError(f"edge {e} reads state {i}: node {e // 2} can read states 0..{1 + e // 2}")
        self.concat = [int(j) for j in concat]
        self.multiplier = len(self.concat)
        self._ops = nn.ModuleList(make_op(name, c, 2 if reduction and i < 2 else 1) for (name, _), i in
                                  zip(ops, self.inputs))

    def forward(self, s0, s1, drop_prob):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for k in range(4):
            hs = []
            for e in (2 * k, 2 * k + 1):
                op = self._ops[e]
                h = op(states[self.inputs[e]])
                if self.training and drop_prob > 0 and not isinstance(op, Identity):
                    h = drop_path(h, drop_prob)
                hs.append(h)
            states.append(hs[0] + hs[1])
        return torch.cat([states[j] for j in self.concat], dim=1)


class AuxiliaryHead(nn.Module):
    """DARTS' CIFAR auxiliary head on an 8 x 8 map (32 px images): ReLU, 5 x 5 average pool with stride 3, 1 x 1
    convolution to 128, BN, ReLU, 2 x 2 convolution to 768, BN, ReLU, linear. Its first ReLU is in place, as in DARTS:
    it also rectifies the map the rest of the network reads."""

    def __init__(self, c, classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=True), nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(c, 128, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False), nn.BatchNorm2d(768), nn.ReLU(inplace=True))
        self.classifier = nn.Linear(768, classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class DARTSNetwork(nn.Module):
    """DARTS' NetworkCIFAR: a 3 x 3 stem to 3C channels, `layers` cells (reduction cells, which halve height and
    width and double the width, at layers // 3 and 2 * layers // 3), global average pooling, a linear classifier;
    optionally the auxiliary head on the second reduction cell. forward returns the logits, or in training mode
    with the auxiliary head (logits, auxiliary logits). Set drop_path_prob for drop-path in training."""

    def __init__(self, genotype, channels=36, layers=20, in_channels=3, classes=10, auxiliary=False):
        super().__init__()
        self.layers = layers
        self.auxiliary = auxiliary
        self.drop_path_prob = 0.0
        c_curr = STEM_MULTIPLIER * channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr))
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, channels
        self.cells = nn.ModuleList()
        reduction_prev, c_aux = False, None
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                c_curr *= 2
            ops, concat = (genotype.reduce, genotype.reduce_concat) if reduction else \
                (genotype.normal, genotype.normal_concat)
            cell = Cell(ops, concat, c_prev_prev, c_prev, c_curr, reduction, reduction_prev)
            self.cells.append(cell)
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, cell.multiplier * c_curr
            if i == 2 * layers // 3:
                c_aux = c_prev
        if auxiliary:
            self.auxiliary_head = AuxiliaryHead(c_aux, classes)
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, classes)

    def forward(self, x):
        logits_aux = None
        s0 = s1 = self.stem(x)
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_path_prob)
            if i == 2 * self.layers // 3 and self.auxiliary and self.training:
                logits_aux = self.auxiliary_head(s1)
        logits = self.classifier(self.global_pooling(s1).flatten(1))
        return logits if logits_aux is None else (logits, logits_aux)
