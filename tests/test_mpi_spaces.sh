#!/usr/bin/env bash
# clnas — `mpirun -np 3 clnas search` over the DARTS cell space (REA) and the chain space (REINFORCE with the LSTM
# controller), trained on a few hundred images: the workers take and return the space's own genotype strings, the
# journal holds every trial exactly once, best.json names the space, and a --resume with nothing left changes
# nothing (issue 13: every strategy and command on every space). Then DARTS over the DARTS space data-parallel on 2
# ranks ends where one process taking the same two shares in turn does, as test_mpi_dp shows for NB201's searches.
# Skipped without Fashion-MNIST.
source "$(dirname "$0")/test_mpi_common.sh"
DATA=/usr/share/datasets/fashion-mnist
[ -d "$DATA" ] || { echo "skipped: $DATA is not installed"; exit 0; }
TINY=(--set dataset.train_subset=256 --set dataset.validation_size=256)
PY=${CLNAS_PYTHON:-/usr/bin/python3}

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
# DARTS' search network of the DARTS space (C=2, 3 layers; batches of 16 in shares of 8, test_darts_space_search's
# batch, so that the programs are shared): weights, momenta, statistics and alpha after 2 epochs, and the genotype
DS=(--config "$SRC/configs/darts-space-darts.json" --set proxy.channels=2 --set proxy.layers=3 --set proxy.batch=16
    --set dataset.train_subset=32 --set dataset.validation_size=32 --set strategy.epochs=2 --set seed=3)
"$CLNAS" search "${DS[@]}" --grad-shares 2 --out "$TMP/ds1" > "$TMP/ds1.log" 2>&1 \
  || { cat "$TMP/ds1.log"; fail "DARTS over the DARTS space in 2 shares"; }
mpi 2 "$CLNAS" search "${DS[@]}" --out "$TMP/ds2" > "$TMP/ds2.log" 2>&1 \
  || { cat "$TMP/ds2.log"; fail "DARTS over the DARTS space on 2 ranks"; }
grep -q 'data parallel: each batch of 16 in 2 shares of 8 (one per process)' "$TMP/ds2.log" \
  || { cat "$TMP/ds2.log"; fail "the 2-rank DARTS-space run does not say how it splits the batch"; }
"$PY" "$SRC/tests/dp_compare.py" same "$TMP/ds1/darts_checkpoint.safetensors" "$TMP/ds2/darts_checkpoint.safetensors" \
  1e-5 || fail "DARTS over the DARTS space: 2 ranks and 2 shares in turn differ"
[ "$(wc -l < "$TMP/ds2/journal.jsonl")" -eq 2 ] || fail "the 2-rank DARTS-space journal is not 2 epochs"
arch1=$(grep '"arch"' "$TMP/ds1/best.json")
[ -n "$arch1" ] && [ "$arch1" = "$(grep '"arch"' "$TMP/ds2/best.json")" ] \
  || fail "DARTS over the DARTS space: 2 ranks derived another genotype"
echo ok
