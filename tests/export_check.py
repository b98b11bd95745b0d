"""clnas test helper: runs modules written by `clnas export` and compares their logits with reference values.

Usage: export_check.py SPACE DIR REF [SPACE DIR REF ...]
Each DIR/model.py is imported by path alone (nothing of clnas on sys.path), its self-check main() must pass
(parameter count and one forward pass), and with REF other than "-" its load() (DIR's weights, strict) must give:
  nb201: REF holds input, logits (clnas's eval logits), mean and std: the eval-mode logits, MEAN and STD;
  chain: REF holds input and logits (clnas's eval logits): the eval-mode logits;
  darts: REF is a DARTS reference set's expected.safetensors: one training-mode forward (batch statistics; it moves
         the running statistics as the reference's did) gives logits_train (and logits_aux_train), then eval mode
         gives logits_eval.
A chain module's parameter count is checked by its self-check (clnas's count is written into it).
Each tensor within max |err| <= 1e-4 * max(max |ref|, 0.01). Exit 0 when all agree, 1 when not, 77 when torch
cannot be imported (the caller tries another interpreter, or skips)."""
import importlib.util
import os
import sys

try:
    import torch
except ImportError as e:
    print(f"torch is not importable by {sys.executable}: {e}")
    sys.exit(77)

failed = 0


def compare(what, got, want):
    global failed
    got, want = got.detach().to(torch.float64), want.to(torch.float64)
    err = (got - want).abs().max().item()
    bound = 1e-4 * max(want.abs().max().item(), 0.01)
    print(f"  {what}: max |err| {err:.3g}, bound {bound:.3g}")
    if tuple(got.shape) != tuple(want.shape) or not err <= bound:
        print(f"  {what}: shape {tuple(got.shape)} against {tuple(want.shape)}, or over the bound")
        failed = 1


def check(index, space, out_dir, ref_path):
    global failed
    spec = importlib.util.spec_from_file_location(f"exported_{index}", os.path.join(out_dir, "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if mod.main() != 0:
        print(f"{out_dir}/model.py: the self-check failed")
        failed = 1
    if ref_path == "-":
        return
    ref, _ = mod.read_safetensors(ref_path)
    model = mod.load()  # eval mode
    with torch.no_grad():
        if space in ("nb201", "chain"):
            compare("eval logits", model(ref["input"].to(torch.float32)), ref["logits"])
        if space == "nb201":
            compare("MEAN", torch.tensor(mod.MEAN), ref["mean"])
            compare("STD", torch.tensor(mod.STD), ref["std"])
        elif space == "darts":
            model.train()
            out = model(ref["input"])
            compare("train logits", out[0] if isinstance(out, tuple) else out, ref["logits_train"])
            if "logits_aux_train" in ref:
                compare("train auxiliary logits", out[1], ref["logits_aux_train"])
            model.eval()
            compare("eval logits", model(ref["input"]), ref["logits_eval"])


args = sys.argv[1:]
if not args or len(args) % 3:
    sys.exit("usage: export_check.py SPACE DIR REF [SPACE DIR REF ...]")
for i in range(0, len(args), 3):
    check(i // 3, *args[i:i + 3])
print("every module agrees" if not failed else "a module DISAGREES")
sys.exit(failed)
