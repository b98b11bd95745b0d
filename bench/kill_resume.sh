#!/usr/bin/env bash
# Kills a real (training) search with SIGKILL three times, resumes it each time, and compares the final journal
# with an uninterrupted run of the same config and seed (timing fields removed). Takes about two minutes.
# usage: bench/kill_resume.sh   (CLNAS=path/to/clnas, WORK=scratch dir)
set -u
here=$(cd "$(dirname "$0")" && pwd)
clnas=${CLNAS:-$here/../build/clnas}
work=${WORK:-$(mktemp -d)}
sets=(--set dataset.train_subset=2000 --set dataset.validation_size=1000 --set strategy.population=4
      --set strategy.sample_size=2 --set strategy.cycles=14 --set name=kill-resume)
rm -rf "$work/full" "$work/cut"
"$clnas" search "${sets[@]}" --out "$work/full" > "$work/full.log" 2>&1 || { echo "uninterrupted run failed"; exit 1; }
kill_after() { # seconds, search arguments...
  local t=$1; shift
  "$clnas" search "$@" > /dev/null 2>&1 & local pid=$!
  sleep "$t"; kill -9 "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
  echo "killed after ${t} s: $(wc -l < "$work/cut/journal.jsonl") complete trials in the journal"
}
kill_after 10 "${sets[@]}" --out "$work/cut"
kill_after 12 --resume "$work/cut"
kill_after 9 --resume "$work/cut"
"$clnas" search --resume "$work/cut" > "$work/cut.log" 2>&1 || { echo "final resume failed"; exit 1; }
strip() {
  /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print(json.dumps({k: v for k, v in d.items() if k != "seconds" and not k.endswith("_seconds")
                      and k not in ("train_images_per_second", "timestamp")}))' "$1"
}
if cmp -s <(strip "$work/full/journal.jsonl") <(strip "$work/cut/journal.jsonl"); then
  echo "identical journals: $(wc -l < "$work/full/journal.jsonl") trials"
else
  echo "journals differ:"; diff <(strip "$work/full/journal.jsonl") <(strip "$work/cut/journal.jsonl") | head
  exit 1
fi
