#!/usr/bin/env bash
# Side by side: the memory clnas plans for one NB201 training step (`clnas compile`: every arena, and the
# activation arena alone) and PyTorch's peak for the same network and batch (bench/pytorch_memory.py: peak RSS
# growth on the CPU, torch.cuda.max_memory_allocated with DEVICE=cuda). clnas's figure is exact and fixed; PyTorch's
# includes its allocator's slack. Both hold activations, gradients and momentum; clnas's total also the parameters.
# usage: bench/compare_memory.sh [ARCH] [C] [N] [BATCH]   (CLNAS=path/to/clnas, PYTHON=..., DEVICE=cpu|cuda,
#        CLNAS_FLAGS="--memory-budget 472.5M": more options for clnas compile, split at spaces)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=${1:-'|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'}
C=${2:-16} N=${3:-5} B=${4:-256}
clnas=${CLNAS:-$here/../build/clnas}
python=${PYTHON:-/usr/bin/python3}
device=${DEVICE:-cpu}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
read -r -a flags <<< "${CLNAS_FLAGS:-}"
"$clnas" compile --arch "$arch" --channels "$C" --cells "$N" --batch "$B" ${flags[@]+"${flags[@]}"} --out "$dir" \
  --json > "$dir/stats.json"
total=$(sed -n 's/.*"arena_bytes":[ ]*\([0-9]*\).*/\1/p' "$dir/stats.json")
act=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["arena_bytes"]["activations"])' "$dir/plan.json")
torch_json=$("$python" "$here/pytorch_memory.py" "$arch" "$C" "$N" "$B" 2 "$device")
peak=$(printf '%s' "$torch_json" | sed -n 's/.*"peak_bytes":[ ]*\([0-9-]*\).*/\1/p')
measure=$(printf '%s' "$torch_json" | sed -n 's/.*"measure":[ ]*"\([^"]*\)".*/\1/p')
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "arch $arch  C=$C N=$N batch $B${CLNAS_FLAGS:+, clnas $CLNAS_FLAGS}"
echo "clnas   all arenas:          $(mib "$total")"
echo "clnas   activation arena:    $(mib "$act")"
echo "pytorch $measure: $(mib "$peak") ($device)"
awk -v a="$total" -v b="$peak" 'BEGIN {if (b > 0) printf "ratio clnas all arenas / pytorch: %.3f\n", a / b}'
