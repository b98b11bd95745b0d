"""Forward FLOPs per image of a darts_ref.NetworkCIFAR in evaluation, counted by PyTorch forward hooks: 2 x the
multiply-adds of every Conv2d (out x in/groups x kh x kw per output pixel, depthwise included) and Linear
(in x out, bias not counted), the convention of clnas_plan_forward_flops (codegen/flops.h). tests/test_flops.c
holds the figure this prints for DARTS_V2 at CIFAR-10 size.

    /usr/bin/python3 tests/data/darts/count_flops.py [GENOTYPE C LAYERS IN_CH HW CLASSES]
    (defaults: DARTS_V2 36 20 3 32 10 -> 528359040 multiply-adds, 1056718080 FLOPs)
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import darts_ref  # noqa: E402


def count(genotype, channels, layers, in_ch, hw, classes):
    model = darts_ref.NetworkCIFAR(channels, classes, layers, genotype, in_channels=in_ch, auxiliary=False)
    model.eval()
    macs = [0]

    def hook(mod, inp, out):
        if isinstance(mod, torch.nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1]
            macs[0] += out.shape[1] * (mod.in_channels // mod.groups) * k * out.shape[2] * out.shape[3]
        else:
            macs[0] += mod.in_features * mod.out_features

    for mod in model.modules():
        if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            mod.register_forward_hook(hook)
    with torch.no_grad():
        model(torch.zeros(1, in_ch, hw, hw))
    return macs[0]


if __name__ == '__main__':
    args = sys.argv[1:] or ['DARTS_V2', '36', '20', '3', '32', '10']
    g = getattr(darts_ref, args[0])
    macs = count(g, *(int(a) for a in args[1:6]))
    print('%s C=%s layers=%s %sx%sx%s: %d multiply-adds, %d FLOPs' % (args[0], args[1], args[2], args[3], args[4],
                                                                       args[4], macs, 2 * macs))
