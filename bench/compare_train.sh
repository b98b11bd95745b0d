#!/usr/bin/env bash
# Side by side: clnas (`clnas bench train`) and PyTorch on the CPU training the same NB201 network, same
# batch and thread count; prints both images/s and the ratio clnas / PyTorch (median of RUNS runs each).
# usage: bench/compare_train.sh [ARCH] [C] [N] [BATCH] [STEPS] [RUNS]   (CLNAS=path/to/clnas, PYTHON=...)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=${1:-'|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'}
C=${2:-16} N=${3:-1} B=${4:-256} steps=${5:-10} runs=${6:-3}
clnas=${CLNAS:-$here/../build/clnas}
python=${PYTHON:-/usr/bin/python3}
threads=$(nproc)
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ips() { sed -n 's/.*"train_images_per_second":[ ]*\([0-9.eE+-]*\).*/\1/p'; }
c=(); p=()
for _ in $(seq "$runs"); do
  c+=("$("$clnas" bench train --arch "$arch" --channels "$C" --cells "$N" --batch "$B" --steps "$steps" --json | ips)")
  p+=("$("$python" "$here/pytorch_train.py" "$arch" "$C" "$N" "$B" "$steps" "$threads" | ips)")
done
cm=$(printf '%s\n' "${c[@]}" | median); pm=$(printf '%s\n' "${p[@]}" | median)
echo "arch $arch  C=$C N=$N batch $B, $steps steps, median of $runs runs, $threads threads"
echo "clnas   train images/s: $cm   (runs: ${c[*]})"
echo "pytorch train images/s: $pm   (runs: ${p[*]})"
awk -v a="$cm" -v b="$pm" 'BEGIN {printf "ratio clnas/pytorch: %.3f\n", a / b}'
