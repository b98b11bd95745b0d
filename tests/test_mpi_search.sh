#!/usr/bin/env bash
# clnas — `mpirun -np 3 clnas search` with the table evaluator (600 trials): the journal holds every proposed trial
# exactly once, the run writes the files of a one-process run, and --resume with nothing left changes nothing; with
# a table that lacks most cells, the trials that fail on the workers are failed lines and the search goes on.
source "$(dirname "$0")/test_mpi_common.sh"
mpi 3 "$CLNAS" search --config "$SRC/configs/table-rea.json" --set strategy.cycles=590 --out "$TMP/run" > "$TMP/out" 2>&1
grep -q "MPI: 2 workers" "$TMP/out" || fail "no MPI header line"
[ "$(grep -c '^worker [12] on ' "$TMP/out")" -eq 2 ] || fail "expected a line for each of the 2 workers"
each_once "$TMP/run/journal.jsonl" 600
for f in config.json best.json progress.svg; do [ -s "$TMP/run/$f" ] || fail "no $f"; done
grep -q "^best: " "$TMP/out" || fail "no closing best line"
cp "$TMP/run/journal.jsonl" "$TMP/before"
mpi 2 "$CLNAS" search --resume "$TMP/run" > /dev/null
cmp -s "$TMP/before" "$TMP/run/journal.jsonl" || fail "a resume with nothing left changed the journal"
head -n 2000 "$SRC/configs/table.csv" > "$TMP/part.csv"
mpi 3 "$CLNAS" search --config "$SRC/configs/table-rea.json" --set evaluator.table="$TMP/part.csv" --out "$TMP/part" \
  > /dev/null
each_once "$TMP/part/journal.jsonl" 100
grep -q '"status":"failed","error":"[^"]' "$TMP/part/journal.jsonl" || fail "no failed trial with its error"
grep -q '"status":"ok"' "$TMP/part/journal.jsonl" || fail "no trial succeeded"
echo ok
