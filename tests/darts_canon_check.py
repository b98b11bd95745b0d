#!/usr/bin/env python3
"""clnas: checks that what the DARTS canonical form merges computes the same function. For random genotypes g it
makes an isomorphic copy g2 (each node's edges in random order, the intermediate nodes relabelled where the wiring
allows, the concat shuffled, none edges reading another state), asks `clnas space canon --space darts` for both
hashes (equal), builds both networks with darts_ref.py, maps g's weights onto g2 (the ops' parameters follow their
edges; the consumers of a cell's output, the next cells' preprocessing and the classifier, take its channels in
the new concat order) and compares the logits in float64, in training and eval mode.
usage: /usr/bin/python3 tests/darts_canon_check.py CLNAS_PROGRAM DARTS_REF_DIR [COUNT]"""
import random
import subprocess
import sys

import torch

sys.path.insert(0, sys.argv[2])
import darts_ref as d  # noqa: E402

OPS = d.PRIMITIVES[1:]


def scramble(edges, concat, rng):
    """The copy, and for the weights: new edge e' <- old edge src[e'], new output block p' <- old block blk[p']."""
    while True:
        perm = list(range(4))
        rng.shuffle(perm)
        if all(op == 'none' or j < 2 or perm[j - 2] < perm[e // 2] for e, (op, j) in enumerate(edges)):
            break
    new, src = [None] * 8, [None] * 8
    for k in range(4):
        flip = rng.randrange(2)
        for i in range(2):
            old = 2 * k + (i ^ flip)
            op, j = edges[old]
            j = j if j < 2 else 2 + perm[j - 2]
            if op == 'none':
                j = rng.randrange(2 + perm[k])
            new[2 * perm[k] + i], src[2 * perm[k] + i] = (op, j), old
    mapped = [s if s < 2 else 2 + perm[s - 2] for s in concat]
    order = list(range(len(concat)))
    rng.shuffle(order)
    return new, [mapped[o] for o in order], src, order


def canon_hash(clnas, genotype):
    out = subprocess.run([clnas, 'space', 'canon', '--space', 'darts'], input=d.genotype_str(genotype) + '\n',
                         capture_output=True, text=True, check=True).stdout
    return out.split('\t')[1]


def map_weights(net, net2, src, blocks):
    sd, sd2 = net.state_dict(), net2.state_dict()
    out = {}
    for key in sd2:
        parts = key.split('.')
        if parts[0] == 'cells' and parts[2] == '_ops':
            red = net.cells[int(parts[1])].reduction
            parts[3] = str(src[red][int(parts[3])])
        out[key] = sd['.'.join(parts)].clone()
    # the consumers of cell i's output see its channels in the new block order
    for i, cell in enumerate(net.cells):
        c = cell.c_out // cell.multiplier
        idx = torch.cat([torch.arange(b * c, (b + 1) * c) for b in blocks[cell.reduction]])
        consumers = []
        if i + 1 < len(net.cells):
            consumers.append('cells.%d.preprocess1.op.1.weight' % (i + 1))
        if i + 2 < len(net.cells):
            p0 = 'cells.%d.preprocess0.' % (i + 2)
            consumers += [p0 + n for n in ('op.1.weight', 'conv_1.weight', 'conv_2.weight') if p0 + n in out]
        if i + 1 == len(net.cells):
            consumers.append('classifier.weight')
        for key in consumers:
            out[key] = out[key][:, idx].clone()
    net2.load_state_dict(out)


def random_cell(rng, t, reduce):
    edges = []
    for k in range(4):
        a, b = rng.sample(range(2 + k), 2)
        edges += [(rng.choice(OPS), a), (rng.choice(OPS), b)]
    if t % 2:
        edges[rng.randrange(8)] = ('none', 0)
    states = range(2, 6) if reduce else range(6)  # a reduction cell's inputs are not downsampled
    concat = sorted(rng.sample(states, rng.randrange(2, 5))) if t % 3 == 0 else [2, 3, 4, 5]
    return edges, concat


def logits(net, x, train):
    net.train(train)
    with torch.no_grad():
        return net(x)[0]


def main():
    clnas, count = sys.argv[1], int(sys.argv[3]) if len(sys.argv) > 3 else 20
    rng = random.Random(13)
    torch.manual_seed(13)
    worst = 0.0
    for t in range(count):
        cells = [random_cell(rng, t, reduce) for reduce in (0, 1)]
        copies = [scramble(e, c, rng) for e, c in cells]
        g = d.Genotype(cells[0][0], cells[0][1], cells[1][0], cells[1][1])
        g2 = d.Genotype(copies[0][0], copies[0][1], copies[1][0], copies[1][1])
        if canon_hash(clnas, g) != canon_hash(clnas, g2):
            sys.exit('hashes differ:\n%s\n%s' % (d.genotype_str(g), d.genotype_str(g2)))
        net = d.NetworkCIFAR(4, 10, 5, g, in_channels=1).double()
        net2 = d.NetworkCIFAR(4, 10, 5, g2, in_channels=1).double()
        for m in net.modules():  # BN statistics and affine away from their defaults
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.5, 0.5)
        map_weights(net, net2, [c[2] for c in copies], [c[3] for c in copies])
        x = torch.randn(3, 1, 16, 16, dtype=torch.float64)
        for train in (False, True):
            a, b = logits(net, x, train), logits(net2, x, train)
            err = (a - b).abs().max().item() / max(a.abs().max().item(), 1e-3)
            worst = max(worst, err)
            if err > 1e-9:
                sys.exit('logits differ (%g, train=%s):\n%s\n%s' % (err, train, d.genotype_str(g), d.genotype_str(g2)))
    print('%d isomorphic pairs: equal hashes, equal logits (worst relative difference %.2g)' % (count, worst))


if __name__ == '__main__':
    main()
