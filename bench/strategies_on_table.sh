#!/usr/bin/env bash
# Regularized evolution, Bayesian optimisation and Hyperband against random search (and REINFORCE) on the synthetic
# table, 100 trials each, over SEEDS seeds: mean and standard deviation of the best fitness found (full-budget trials
# only), and for Hyperband the cost in full trainings (the sum of the trials' training fractions). A few minutes.
# usage: bench/strategies_on_table.sh [SEEDS]   (CLNAS=path/to/clnas)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
clnas=${CLNAS:-$here/../build/clnas}
seeds=${1:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$clnas" table generate --out "$work/table.csv" > /dev/null
run() { # name, --set options...
  local name=$1; shift
  for s in $(seq 0 $((seeds - 1))); do
    "$clnas" search --set evaluator.kind=table --set evaluator.table="$work/table.csv" --set seed="$s" "$@" \
      --out "$work/$name-$s" > /dev/null
    # best fitness, then the cost: trials at full budget count 1, the others their training_fraction
    printf '%s %s\n' "$(sed -n 's/.*"fitness":[[:space:]]*\([0-9.eE+-]*\).*/\1/p' "$work/$name-$s/best.json")" \
      "$(awk '{f = 1} match($0, /"training_fraction":[0-9.eE+-]+/) {f = substr($0, RSTART + 20, RLENGTH - 20)}
              {c += f} END {print c}' "$work/$name-$s/journal.jsonl")"
  done | awk -v n="$name" '{s+=$1; q+=$1*$1; c+=$2; k++} END {m=s/k; printf "%-44s best fitness mean %.4f  std %.4f  cost %.1f  (%d seeds)\n", n, m, sqrt(q/k-m*m), c/k, k}'
}
run "REA P=20 S=5 C=80" --set strategy.name=rea --set strategy.population=20 --set strategy.sample_size=5 \
  --set strategy.cycles=80
run "random search, 100 trials" --set strategy='{"name":"random","trials":100}'
run "REINFORCE per-edge, 100 trials" --set strategy='{"name":"reinforce","trials":100}'
run "BO (GP, expected improvement), 100 trials" --set strategy='{"name":"bo","trials":100}'
run "Hyperband (sampler bo), 100 trials" --set strategy='{"name":"hyperband","trials":100}'
run "Hyperband (sampler random), 100 trials" --set strategy='{"name":"hyperband","trials":100,"sampler":"random"}'
run "Hyperband (sampler random), 253 trials" --set strategy='{"name":"hyperband","trials":253,"sampler":"random"}'
