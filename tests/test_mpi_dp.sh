#!/usr/bin/env bash
# clnas — one-shot searches data-parallel over 2 ranks (issue 15): each rank trains one share of every batch, MPI sums
# the shares. SPOS' supernet, DARTS' and GDAS' networks and alpha end within 1e-5 (of each tensor's scale) of the
# one-process run that takes the same two shares in turn (--grad-shares 2; test_grad_shares shows that a whole-batch
# step is farther off than that); rank 0 alone writes the run; a stopped one-process run resumed by 2 ranks ends
# where the uninterrupted 2-rank run does (rank 1 starts from rank 0's checkpoint, sent to it); a failing rank fails
# them all. About 3 minutes on this machine (2 cores shared), most of it the 2-rank DARTS and GDAS runs.
source "$(dirname "$0")/test_mpi_common.sh"
PY=${CLNAS_PYTHON:-/usr/bin/python3}
COMMON=(--set dataset.train_subset=512 --set dataset.validation_size=256 --set proxy.batch=128 --set proxy.channels=4
        --set seed=3)
SPOS=(--config "$SRC/configs/spos.json" "${COMMON[@]}" --set proxy.epochs=1 --set strategy.cycles=2
      --set strategy.population=3 --set strategy.sample_size=2 --set strategy.bn_batches=1
      --set strategy.checkpoint_every=2 --set strategy.warm_up=false)

search() { # search OUT ARGS...: one run, its output kept in OUT.log
  local out=$1
  shift
  "$@" --out "$out" > "$out.log" 2>&1 || { cat "$out.log"; fail "$* failed"; }
}
same() { "$PY" "$SRC/tests/dp_compare.py" same "$1" "$2" 1e-5 || fail "$1 and $2 differ"; }
archs() { grep -o '"arch":"[^"]*"' "$1"; }

# SPOS: the supernet after training, then the search over its paths (rank 0 alone)
search "$TMP/spos1" "$CLNAS" search "${SPOS[@]}" --grad-shares 2
search "$TMP/spos2" mpi 2 "$CLNAS" search "${SPOS[@]}"
grep -q 'data parallel: each batch of 128 in 2 shares of 64 (one per process)' "$TMP/spos2.log" \
  || fail "the 2-rank run does not say how it splits the batch"
same "$TMP/spos1/supernet.safetensors" "$TMP/spos2/supernet.safetensors"
diff <(archs "$TMP/spos1/journal.jsonl") <(archs "$TMP/spos2/journal.jsonl") > /dev/null \
  || fail "the search over the supernet's paths proposed other archs"
[ "$(wc -l < "$TMP/spos2/journal.jsonl")" -eq 5 ] || fail "the 2-rank SPOS journal is not 5 trials"
for f in config.json best.json supernet.jsonl progress.svg; do [ -s "$TMP/spos2/$f" ] || fail "no $f"; done

# a rank that fails makes every rank fail, none waits (timeout: a hang fails): rank 0 refuses a used run directory
# after rank 1 set up, rank 0 fails after training while rank 1 is done, a batch 3 ranks cannot share is refused
if timeout 300 "$MPIRUN" --oversubscribe -np 2 "$CLNAS" search "${SPOS[@]}" --out "$TMP/spos2" > "$TMP/used.log" 2>&1
then fail "a second search in a used run directory was not refused"; fi
grep -q 'another rank failed' "$TMP/used.log" || { cat "$TMP/used.log"; fail "rank 1 did not learn that rank 0 failed"; }
mkdir "$TMP/torn" && echo "{}" > "$TMP/torn/journal.jsonl" # rank 0 fails after training (search over paths)
if timeout 300 "$MPIRUN" --oversubscribe -np 2 "$CLNAS" search "${SPOS[@]}" --out "$TMP/torn" > "$TMP/torn.log" 2>&1
then fail "a search over paths into a malformed journal did not fail"; fi
grep -q 'journal.jsonl: line 1' "$TMP/torn.log" || { cat "$TMP/torn.log"; fail "rank 0's error is missing"; }
if timeout 300 "$MPIRUN" --oversubscribe -np 3 "$CLNAS" search "${SPOS[@]}" --out "$TMP/three" > "$TMP/three.log" 2>&1
then fail "128 images in 3 shares were not refused"; fi
grep -q 'proxy.batch: 128 images do not split into 3 equal shares' "$TMP/three.log" \
  || { cat "$TMP/three.log"; fail "no message about the uneven shares"; }

# DARTS and GDAS: weights, momenta, statistics and alpha after 3 epochs; a one-process run stopped after its first
# epoch, resumed by 2 ranks, ends at the 2-rank run's result
for m in darts gdas; do
  ARGS=(--config "$SRC/configs/$m.json" "${COMMON[@]}" --set strategy.epochs=3)
  [ "$m" = gdas ] && ARGS+=(--set strategy.warm_up=false)
  search "$TMP/${m}1" "$CLNAS" search "${ARGS[@]}" --grad-shares 2
  search "$TMP/${m}2" mpi 2 "$CLNAS" search "${ARGS[@]}"
  same "$TMP/${m}1/${m}_checkpoint.safetensors" "$TMP/${m}2/${m}_checkpoint.safetensors"
  [ "$(wc -l < "$TMP/${m}2/journal.jsonl")" -eq 3 ] || fail "the 2-rank $m journal is not 3 epochs"
  ls "$TMP/${m}2"/alpha_epoch_002.svg > /dev/null || fail "no heat map of the last epoch"

  "$CLNAS" search "${ARGS[@]}" --grad-shares 2 --out "$TMP/${m}r" > "$TMP/${m}r.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do
    [ -s "$TMP/${m}r/journal.jsonl" ] && break
    sleep 0.5
  done
  kill -INT "$pid" 2> /dev/null || true
  wait "$pid" || true
  [ "$(wc -l < "$TMP/${m}r/journal.jsonl")" -lt 3 ] || fail "$m: the run ended before it could be stopped"
  mpi 2 "$CLNAS" search --resume "$TMP/${m}r" > "$TMP/${m}r2.log" 2>&1 || { cat "$TMP/${m}r2.log"; fail "resume"; }
  grep -q ', resumed' "$TMP/${m}r2.log" || fail "$m: the 2-rank run did not resume"
  same "$TMP/${m}2/${m}_checkpoint.safetensors" "$TMP/${m}r/${m}_checkpoint.safetensors"
done
echo ok
