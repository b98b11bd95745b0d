#!/usr/bin/env bash
# clnas — `mpirun -np 3 clnas search` with the proxy-training evaluator on a tiny budget: each worker trains on its
# own device, every trial is journaled once with a fitness, and the run writes the files of a one-process run.
source "$(dirname "$0")/test_mpi_common.sh"
mpi 3 "$CLNAS" search --set 'strategy={"name": "random", "trials": 4}' --set dataset.train_subset=256 \
  --set dataset.validation_size=128 --set proxy.batch=64 --set proxy.channels=4 --out "$TMP/run" > "$TMP/out" 2>&1
each_once "$TMP/run/journal.jsonl" 4
[ "$(grep -c '"status":"ok"' "$TMP/run/journal.jsonl")" -eq 4 ] || fail "not every trial trained"
grep -q '"val_loss"' "$TMP/run/journal.jsonl" || fail "the training evaluator's keys are missing"
for f in config.json best.json progress.svg; do [ -s "$TMP/run/$f" ] || fail "no $f"; done
echo ok
