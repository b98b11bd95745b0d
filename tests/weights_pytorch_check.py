"""clnas test helper: loads clnas-saved weights into share/clnas/nb201.py and compares its eval-mode logits with
clnas's. Usage: weights_pytorch_check.py NB201_DIR WEIGHTS BATCH (BATCH: safetensors with input, logits).
Exit 0 when every logit agrees (max |clnas - torch| <= 1e-4 * max(max |torch|, 0.01)), 1 when not, 77 when torch
cannot be imported (the caller skips). With the single argument --probe: 0 when torch can be imported."""
import sys

try:
    import torch
except ImportError as e:
    print(f"torch is not importable by {sys.executable}: {e}")
    sys.exit(77)

if sys.argv[1:] == ["--probe"]:
    sys.exit(0)
sys.path.insert(0, sys.argv[1])
from nb201 import load_clnas, read_safetensors  # noqa: E402

model, info = load_clnas(sys.argv[2])  # strict load_state_dict: every name, num_batches_tracked included
batch, _ = read_safetensors(sys.argv[3])
with torch.no_grad():
    got = model(batch["input"].to(torch.float32)).to(torch.float64)
want = batch["logits"]
diff = (got - want).abs().max().item()
bound = 1e-4 * max(got.abs().max().item(), 0.01)
print(f"arch {info['arch']} C={info['channels']} N={info['cells']}: max |clnas - torch| {diff:.3g}, bound {bound:.3g}"
      f", num_batches_tracked {int(model.stem.bn.num_batches_tracked)}")
sys.exit(0 if diff <= bound else 1)
