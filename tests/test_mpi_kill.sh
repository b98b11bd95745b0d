#!/usr/bin/env bash
# clnas — a worker killed with SIGKILL in the middle of `mpirun -np 3 clnas search` ends the job; `--resume` with 2
# ranks keeps every completed trial (the journal's lines before the kill are kept as they were), duplicates none,
# hands out the trials that were in flight again and finishes the budget.
source "$(dirname "$0")/test_mpi_common.sh"
N=1000
"$MPIRUN" --oversubscribe -np 3 "$CLNAS" search --config "$SRC/configs/table-rea.json" \
  --set strategy.cycles=$((N - 10)) --out "$TMP/run" > "$TMP/out" 2>&1 &
launcher=$!
journal="$TMP/run/journal.jsonl"
for _ in $(seq 600); do # until 100 trials are done (at most a minute)
  [ -f "$journal" ] && [ "$(wc -l < "$journal")" -ge 100 ] && break
  sleep 0.1
done
# rank 1: the launcher's child whose environment says so
worker=""
for stat in /proc/[0-9]*/stat; do # the launcher's children (no procps needed)
  read -r p _ _ ppid _ < "$stat" 2>/dev/null || continue
  [ "$ppid" = "$launcher" ] || continue
  tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && worker=$p
done
[ -n "$worker" ] || fail "no worker process found (did the run end before 100 trials? $(wc -l < "$journal") lines)"
kill -9 "$worker"
if wait "$launcher"; then fail "the job went on after a worker died"; fi
done_before=$(wc -l < "$journal")
[ "$done_before" -lt "$N" ] || fail "the run finished before the kill took effect"
head -n "$done_before" "$journal" > "$TMP/before"
mpi 2 "$CLNAS" search --resume "$TMP/run" > "$TMP/out2" 2>&1 || { cat "$TMP/out2"; fail "the resume failed"; }
each_once "$journal" "$N"
# the complete lines from before the kill are the resumed journal's first lines (a torn last one was dropped)
kept=$(grep -c '}$' "$TMP/before" || true)
cmp -s <(head -n "$kept" "$TMP/before") <(head -n "$kept" "$journal") || fail "completed trials changed on resume"
echo "ok: killed after $done_before trials, resumed with 2 ranks, $N trials each once"
