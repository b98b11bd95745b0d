#!/usr/bin/env python3
"""clnas fault sweep checks.
journal DIR: exit 0 when DIR/journal.jsonl is readable as a resume reads it (complete lines are JSON objects; only
  the last line may be torn).
same DIR_A DIR_B: exit 0 when two run directories hold the same result: journal (timing fields removed), best.json
  and checkpoints (*.safetensors).
failed-trial REF RUN: exit 0 when RUN's journal differs from REF's first at a failed trial with an error message."""
import glob
import json
import os
import sys


def entries(run_dir):
    path = os.path.join(run_dir, "journal.jsonl")
    if not os.path.exists(path):
        return []
    lines = open(path, "rb").read().split(b"\n")
    out = []
    for i, line in enumerate(lines[:-1]):
        try:
            d = json.loads(line)
        except ValueError:
            if i == len(lines) - 2:
                break  # a torn last line: the reader drops it
            raise SystemExit(f"{path}: line {i + 1} is damaged")
        if not isinstance(d, dict):
            raise SystemExit(f"{path}: line {i + 1} is not an object")
        out.append({k: v for k, v in d.items() if k not in ("seconds", "timestamp") and not k.endswith("_seconds")
                    and not k.endswith("_per_second")})
    return out


def same(a, b):
    if entries(a) != entries(b):
        return "journals differ"
    for name in ["best.json"] + [os.path.basename(p) for p in glob.glob(os.path.join(a, "*.safetensors"))]:
        pa, pb = os.path.join(a, name), os.path.join(b, name)
        if os.path.exists(pa) != os.path.exists(pb) or (
                os.path.exists(pa) and open(pa, "rb").read() != open(pb, "rb").read()):
            return name + " differs"
    return None


def failed_trial(ref, run):
    """A fault the search recorded as a failed trial (by design: a trial's device or memory failure is its outcome,
    the search goes on): the journals agree up to the first difference, which is a failed trial with an error."""
    a, b = entries(ref), entries(run)
    for x, y in zip(a, b):
        if x != y:
            return y.get("status") == "failed" and bool(y.get("error"))
    return False


if sys.argv[1] == "failed-trial":
    raise SystemExit(0 if failed_trial(sys.argv[2], sys.argv[3]) else 1)
elif sys.argv[1] == "journal":
    entries(sys.argv[2])
elif sys.argv[1] == "same":
    why = same(sys.argv[2], sys.argv[3])
    if why:
        raise SystemExit(why)
