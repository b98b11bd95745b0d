#!/usr/bin/env bash
# clnas — `mpirun -np 3 clnas search` over the DARTS cell space (REA) and the chain space (REINFORCE with the LSTM
# controller), trained on a few hundred images: the workers take and return the space's own genotype strings, the
# journal holds every trial exactly once, best.json names the space, and a --resume with nothing left changes
# nothing (issue 13: every strategy and command on every space). Skipped without Fashion-MNIST.
source "$(dirname "$0")/test_mpi_common.sh"
DATA=/usr/share/datasets/fashion-mnist
[ -d "$DATA" ] || { echo "skipped: $DATA is not installed"; exit 0; }
TINY=(--set dataset.train_subset=256 --set dataset.validation_size=256)

mpi 3 "$CLNAS" search --config "$SRC/configs/rea-darts.json" "${TINY[@]}" --set strategy.population=3 \
  --set strategy.cycles=2 --out "$TMP/darts" > "$TMP/darts.log" 2>&1 || { cat "$TMP/darts.log"; fail "darts search"; }
each_once "$TMP/darts/journal.jsonl" 5
grep -q '"arch":"Genotype(normal=\[(' "$TMP/darts/journal.jsonl" || fail "the darts journal holds no DARTS genotype"
mpi 3 "$CLNAS" search --config "$SRC/configs/reinforce-chain.json" "${TINY[@]}" --set proxy.channels=8 \
  --set strategy.trials=5 --out "$TMP/chain" > "$TMP/chain.log" 2>&1 || { cat "$TMP/chain.log"; fail "chain search"; }
each_once "$TMP/chain/journal.jsonl" 5
for space in darts chain; do
  grep -q "MPI: 2 workers" "$TMP/$space.log" || fail "$space: no MPI header line"
  grep -q "\"space\":[[:space:]]*\"$space\"" "$TMP/$space/best.json" || fail "$space: best.json does not name the space"
  ! grep -q '"status":"failed"' "$TMP/$space/journal.jsonl" || fail "$space: a trial failed"
  cp "$TMP/$space/journal.jsonl" "$TMP/$space.before"
  mpi 2 "$CLNAS" search --resume "$TMP/$space" > /dev/null 2>&1 || fail "$space: the resume failed"
  cmp -s "$TMP/$space.before" "$TMP/$space/journal.jsonl" || fail "$space: a resume with nothing left changed the journal"
done
echo ok
