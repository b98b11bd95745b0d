#!/usr/bin/env bash
# Side by side: clnas (`clnas bench train`) and PyTorch on the CPU training the same NB201 network, same
# batch and thread count; prints both images/s and the ratio clnas / PyTorch (median of RUNS runs each).
# usage: bench/compare_train.sh [ARCH] [C] [N] [BATCH] [STEPS] [RUNS]   (CLNAS=path/to/clnas, PYTHON=...,
#        CLNAS_FLAGS="--memory-budget 472.5M": more options for clnas bench train, split at spaces)
#
# DARTS (issue 13): bench/compare_train.sh darts [EPOCHS] [ARCH] [C] [LAYERS]   (defaults 2 DARTS_V2 16 8)
#   trains the DARTS network on Fashion-MNIST with DARTS' recipe without the auxiliary head and without augmentation
#   (clnas train --recipe darts --augment none --cutout 0; bench/pytorch_train.py darts --epochs, the module of
#   DARTS_REF) in clnas and in PyTorch, then both at batch 96 for STEPS steps on random inputs vs the same steps of
#   clnas train; prints test accuracy, seconds and training images/s side by side.
#   Environment: DATA=DIR (default /usr/share/datasets/fashion-mnist), SUBSET=N (train on the first N images only),
#   STEPS=S (throughput steps, default 20), THREADS (default nproc).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = darts ]; then
  epochs=${2:-2} arch=${3:-DARTS_V2} C=${4:-16} L=${5:-8}
  clnas=${CLNAS:-$here/../build/clnas}
  python=${PYTHON:-/usr/bin/python3}
  data=${DATA:-/usr/share/datasets/fashion-mnist} threads=${THREADS:-$(nproc)} steps=${STEPS:-20}
  subset=() psubset=()
  if [ -n "${SUBSET:-}" ]; then subset=(--train-subset "$SUBSET"); psubset=(--train-subset "$SUBSET"); fi
  num() { sed -n "s/.*\"$1\":[ \t]*\([0-9.eE+-]*\).*/\1/p" | head -1; }
  net=(--space darts --arch "$arch" --channels "$C" --layers "$L")
  recipe=(--recipe darts --augment none --cutout 0 --mean 0.2860 --std 0.3530)
  echo "clnas: training $arch C=$C layers $L, $epochs epochs, DARTS' recipe (no aux, no augmentation) on $data" >&2
  cj=$("$clnas" train "${net[@]}" "${recipe[@]}" --epochs "$epochs" --data "$data" "${subset[@]}" --quiet --result -)
  echo "pytorch: the same" >&2
  pj=$("$python" "$here/pytorch_train.py" darts --arch "$arch" --channels "$C" --layers "$L" --epochs "$epochs" \
       --data "$data" "${psubset[@]}" --threads "$threads")
  echo "throughput at batch 96, $steps steps" >&2
  ct=$("$clnas" train "${net[@]}" "${recipe[@]}" --steps "$steps" --data "$data" --quiet --result - | num train_images_per_second)
  pt=$("$python" "$here/pytorch_train.py" darts --arch "$arch" --channels "$C" --layers "$L" --steps "$steps" \
       --threads "$threads" | num train_images_per_second)
  echo "DARTS $arch C=$C layers $L, batch 96, $epochs epochs, $threads threads, data $data${SUBSET:+ (first $SUBSET images)}"
  printf '%-8s test accuracy %s  train loss %s  %s s  train images/s %s\n' \
    clnas "$(echo "$cj" | num test_accuracy)" "$(echo "$cj" | num train_loss)" "$(echo "$cj" | num seconds)" \
    "$(echo "$cj" | num train_images_per_second)"
  printf '%-8s test accuracy %s  train loss %s  %s s  train images/s %s\n' \
    pytorch "$(echo "$pj" | num test_accuracy)" "$(echo "$pj" | num train_loss)" "$(echo "$pj" | num seconds)" \
    "$(echo "$pj" | num train_images_per_second)"
  echo "throughput (batch 96, $steps steps): clnas $ct  pytorch $pt images/s"
  awk -v a="$ct" -v b="$pt" 'BEGIN {if (b > 0) printf "ratio clnas/pytorch: %.3f\n", a / b}'
  exit 0
fi
arch=${1:-'|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'}
C=${2:-16} N=${3:-1} B=${4:-256} steps=${5:-10} runs=${6:-3}
clnas=${CLNAS:-$here/../build/clnas}
python=${PYTHON:-/usr/bin/python3}
threads=$(nproc)
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ips() { sed -n 's/.*"train_images_per_second":[ ]*\([0-9.eE+-]*\).*/\1/p'; }
read -r -a flags <<< "${CLNAS_FLAGS:-}"
c=(); p=()
for _ in $(seq "$runs"); do
  c+=("$("$clnas" bench train --arch "$arch" --channels "$C" --cells "$N" --batch "$B" --steps "$steps" \
         ${flags[@]+"${flags[@]}"} --json | ips)")
  p+=("$("$python" "$here/pytorch_train.py" "$arch" "$C" "$N" "$B" "$steps" "$threads" | ips)")
done
cm=$(printf '%s\n' "${c[@]}" | median); pm=$(printf '%s\n' "${p[@]}" | median)
echo "arch $arch  C=$C N=$N batch $B, $steps steps, median of $runs runs, $threads threads${CLNAS_FLAGS:+, clnas $CLNAS_FLAGS}"
echo "clnas   train images/s: $cm   (runs: ${c[*]})"
echo "pytorch train images/s: $pm   (runs: ${p[*]})"
awk -v a="$cm" -v b="$pm" 'BEGIN {printf "ratio clnas/pytorch: %.3f\n", a / b}'
