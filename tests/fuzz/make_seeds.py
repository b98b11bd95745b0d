#!/usr/bin/env python3
"""clnas fuzz seeds: writes the small checked-in seed corpora of tests/fuzz/corpus/<target>/ from tests/data, configs/
and the formats' own rules. Rerun after a format changes: python3 tests/fuzz/make_seeds.py"""
import gzip
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEP = b"\n--8<--\n"  # FUZZ_SEPARATOR in fuzz_support.h


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def fnv1a64(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def reference(name, what):
    return os.path.join(ROOT, "tests", "data", "reference", name, what)


def archs():
    names = sorted(os.listdir(os.path.join(ROOT, "tests", "data", "reference")))
    meta = [json.load(open(reference(n, "meta.json")))["arch"] for n in names
            if os.path.exists(reference(n, "meta.json"))]
    return meta + ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                   "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|"]


def arch_seeds():
    for i, a in enumerate(archs()):
        put("arch", f"valid{i}", a)
    put("arch", "bad_op", "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    put("arch", "bad_index", "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|")
    put("arch", "short", "|none~0|+|none~0|")
    put("arch", "darts_name", "PC_DARTS_cifar")
    put("arch", "darts_v2", "genotypes.Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
        "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
        "normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
        "('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], "
        "reduce_concat=[2, 3, 4, 5])")
    put("arch", "darts_positional", "Genotype([('none', 0), ('avg_pool_3x3', 1), ('dil_conv_5x5', 2), "
        "('sep_conv_5x5', 0), ('skip_connect', 3), ('max_pool_3x3', 1), ('dil_conv_3x3', 4), ('none', 2)], (5, 2), "
        "[('none', 0), ('none', 1), ('none', 0), ('none', 1), ('none', 0), ('none', 1), ('none', 0), ('none', 1)], "
        "range(3, 6))")
    put("arch", "darts_bad_state", "Genotype(normal=[('sep_conv_3x3', 2)])")


def config_seeds():
    for name in sorted(os.listdir(os.path.join(ROOT, "configs"))):
        if name.endswith(".json") and name != "gpu-full.json":
            put("config", name, open(os.path.join(ROOT, "configs", name), "rb").read())
    sets = [b"proxy.epochs=2\nstrategy.cycles=3", b"strategy.population=4\nname=x", b"dataset.train_subset=100",
            b"strategy.epochs=2\nstrategy.arch_lr=0.01", b"strategy.tau_min=0.5\nstrategy.max_paths=4",
            b"strategy.controller=\"lstm\"\nstrategy.trials=5", b"evaluator.kind=table\nevaluator.table=table.csv"]
    for i, s in enumerate(sets):
        put("config_set", f"sets{i}", bytes([i % 5]) + s)


def table_seeds():
    lines = open(os.path.join(ROOT, "configs", "table.csv")).read().splitlines()[:12]
    put("table", "head.csv", "\n".join(lines) + "\n")
    rows = dict(line.rsplit(",", 1) for line in lines[1:])
    put("table", "head.json", json.dumps({k: float(v) for k, v in rows.items()}, indent=1))
    put("table", "percent.csv", "arch,accuracy\n" + archs()[0] + ",91.5\n")


def journal_seeds():
    a = archs()
    e = [{"trial": 0, "arch": a[0], "hash": "0123456789abcdef", "fitness": 0.5, "params": 1234, "flops": 5.5e6,
          "seconds": 1.25, "status": "ok", "error": None, "val_loss": 1.5, "train_seconds": 1.0},
         {"trial": 1, "arch": a[1], "hash": "fedcba9876543210", "fitness": None, "params": 0, "flops": 0,
          "seconds": 0.5, "status": "failed", "error": "build error", "population": [1, 2]}]
    text = "".join(json.dumps(x) + "\n" for x in e)
    put("journal", "two", text)
    put("journal", "torn", text + text.splitlines()[0][:40])


def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, values in tensors:
        fmt = {"F32": "f", "F64": "d", "I32": "i", "I64": "q"}[dtype]
        data = struct.pack("<%d%s" % (len(values), fmt), *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blob


def safetensors_seeds():
    # the names and metadata of a reference weights file, with tiny shapes
    b = open(reference("nb201-light-c3n1-rgb", "weights.safetensors"), "rb").read()
    names = [k for k in json.loads(b[8:8 + struct.unpack("<Q", b[:8])[0]]) if k != "__metadata__"][:4]
    meta = json.load(open(reference("nb201-light-c3n1-rgb", "meta.json")))
    put("safetensors", "reference_names", safetensors([(n, "F32", [2], [0.5, -1.0]) for n in names],
                                                      {"arch": meta["arch"], "channels": "3"}))
    put("safetensors", "dtypes", safetensors([("a", "F64", [1, 2], [1.0, 2.0]), ("b", "I32", [], [7]),
                                              ("c", "I64", [0], []), ("d", "F32", [2, 1], [3.0, 4.0])]))


def idx(magic, dims, payload):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload


def idx_seeds():
    images = idx(0x803, [2, 3, 3], bytes(range(18)))
    labels = idx(0x801, [2], bytes([3, 9]))
    put("idx", "plain", images + SEP + labels)
    put("idx", "gzip", gzip.compress(images, mtime=0) + SEP + gzip.compress(labels, mtime=0))


def cifar_seeds():
    rec = lambda label: bytes([label]) + bytes((i * 7 + label) % 256 for i in range(3072))
    put("cifar", "one_file", rec(1) + rec(9))
    put("cifar", "two_files", rec(0) + SEP + rec(5))


def best_json_seeds():
    a = archs()
    put("best_json", "best", json.dumps({"arch": a[0], "fitness": 0.9, "trial": 3, "hash": "0123456789abcdef",
                                         "params": 1000, "rule": "highest fitness"}, indent=2))


def program_cache_seeds():
    binary = b"\x7fELF" + bytes(range(60))
    key = 0x1234567890abcdef
    put("program_cache", "entry", b"CLNASPB1" + struct.pack("<QQQ", key, len(binary), fnv1a64(binary)) + binary)


def algo_choices_seeds():
    # the format before the variant column (refused as a whole), and the current one with the tuner's variants
    put("algo_choices", "choices", "clnas-algo-choices-1\n# signature\talgorithm\tkernel_ms\tclblast_ms\tclblast_ok\t"
        "note\ngemm_nn_m64_n32_k9\tkernel\t0.5\t0.7\t1\t\ngemm_nt_m8_n8_k8\tclblast\t0.9\t0.2\t1\t\n"
        "conv_x\tkernel\t1\t-1\t0\tCLBlast differed by 0.01\n")
    put("algo_choices", "choices2", "clnas-algo-choices-2\n# signature\talgorithm\tkernel_ms\talternative_ms\t"
        "alternative_ok\tvariant\tnote\ngemm_nn_m64_n32_k9\tkernel\t0.5\t0.7\t1\t-\t\n"
        "conv_fwd_winograd f32 n2\twinograd\t0.9\t0.2\t1\t-\t\n"
        "tune fwd conv2d_fwd f32 n2 ci3 co4 5x5 k3 s1 p1 relu1 acc0\tkernel\t1.5\t1\t1\tCO_BLOCK=2 ROWS=2 LOCAL=32\t"
        "tried 4 of 9 candidates in 0.5 s, 1 ruled out: conv2d_fwd result differs\n"
        "tune bwd_filter conv2d_bwd_filter_gpu f32 n1\tkernel\t2\t2\t0\tLOCAL=256 SPLIT=32 RC=2 RK=4\t\n")


for make in (arch_seeds, config_seeds, table_seeds, journal_seeds, safetensors_seeds, idx_seeds, cifar_seeds,
             best_json_seeds, program_cache_seeds, algo_choices_seeds):
    make()
