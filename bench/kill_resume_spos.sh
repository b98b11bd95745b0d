#!/usr/bin/env bash
# Kills a SPOS one-shot search with SIGKILL during supernet training and again during the search, resumes it each
# time, and compares the final journal (timing fields removed) and supernet checkpoint with an uninterrupted run
# of the same config and seed. Small sizes: about a minute with a warm program cache.
# usage: bench/kill_resume_spos.sh   (CLNAS=path/to/clnas, WORK=scratch dir)
set -u
here=$(cd "$(dirname "$0")" && pwd)
clnas=${CLNAS:-$here/../build/clnas}
work=${WORK:-$(mktemp -d)}
export CLNAS_ALGO=${CLNAS_ALGO:-kernel} # both runs make the same algorithm choices
sets=(--config "$here/../configs/spos.json" --set dataset.train_subset=1280 --set dataset.validation_size=500
      --set proxy.channels=4 --set proxy.epochs=1 --set proxy.batch=64 --set strategy.population=4
      --set strategy.sample_size=2 --set strategy.cycles=4 --set strategy.bn_batches=3
      --set strategy.checkpoint_every=5 --set name=kill-resume-spos)
rm -rf "$work/full" "$work/cut"
"$clnas" search "${sets[@]}" --out "$work/full" > "$work/full.log" 2>&1 || { echo "uninterrupted run failed"; exit 1; }
kill_after() { # seconds, search arguments...
  local t=$1; shift
  "$clnas" search "$@" > /dev/null 2>&1 & local pid=$!
  sleep "$t"; kill -9 "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
  echo "killed after ${t} s: last supernet checkpoint line: $(tail -n 1 "$work/cut/supernet.jsonl" 2> /dev/null), \
$(cat "$work/cut/journal.jsonl" 2> /dev/null | wc -l) complete trials in the journal"
}
kill_after 8 "${sets[@]}" --out "$work/cut"
kill_after 20 --resume "$work/cut"
"$clnas" search --resume "$work/cut" > "$work/cut.log" 2>&1 || { echo "final resume failed"; exit 1; }
strip() {
  /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print(json.dumps({k: v for k, v in d.items() if k != "seconds" and not k.endswith("_seconds")}))' "$1"
}
if cmp -s <(strip "$work/full/journal.jsonl") <(strip "$work/cut/journal.jsonl") &&
   cmp -s "$work/full/supernet.safetensors" "$work/cut/supernet.safetensors"; then
  echo "identical: $(wc -l < "$work/full/journal.jsonl") trials and the trained supernet (in $work)"
else
  echo "DIFFERENT (in $work)"; exit 1
fi
