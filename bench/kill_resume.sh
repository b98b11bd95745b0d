#!/usr/bin/env bash
# Kill -9 matrix: for each strategy, runs a tiny search once uninterrupted, then again with SIGKILL at KILLS random
# points, each followed by --resume (a run that finishes before its kill point is compared and a fresh one
# started). After every kill the journal must be a prefix of the uninterrupted one (a torn last line aside); every
# finished run must have the same journal (timing fields removed), best.json and checkpoints (*.safetensors) as the
# uninterrupted run. Prints one matrix row per strategy; exits 1 when any differs.
# usage: bench/kill_resume.sh [STRATEGY|all] [KILLS]     strategies: rea random reinforce reinforce-lstm spos darts gdas
#   CLNAS=path/to/clnas  WORK=scratch dir  KILL_SEED=seed of the kill points (default 1)
set -u
here=$(cd "$(dirname "$0")" && pwd)
clnas=${CLNAS:-$here/../build/clnas}
work=${WORK:-$(mktemp -d)}
which=${1:-all}
kills=${2:-20}
export KILL_SEED=${KILL_SEED:-1}
export CLNAS_ALGO=${CLNAS_ALGO:-kernel} # both runs make the same algorithm choices
all=(rea random reinforce reinforce-lstm spos darts gdas)
tiny=(--set dataset.train_subset=256 --set dataset.validation_size=256 --set proxy.channels=4 --set proxy.batch=64)

config_of() { # strategy -> the search arguments of its tiny run
  case $1 in
    rea) echo --config "$here/../configs/rea.json" --set strategy.population=4 --set strategy.sample_size=2 \
              --set strategy.cycles=4 ;;
    random) echo --config "$here/../configs/random.json" --set strategy.trials=8 ;;
    reinforce) echo --config "$here/../configs/reinforce.json" --set strategy.trials=8 ;;
    reinforce-lstm) echo --config "$here/../configs/reinforce.json" --set strategy.trials=8 \
                         --set strategy.controller=lstm --set strategy.hidden=8 ;;
    spos) echo --config "$here/../configs/spos.json" --set dataset.train_subset=512 --set proxy.epochs=2 \
               --set strategy.population=4 --set strategy.sample_size=2 --set strategy.cycles=4 \
               --set strategy.bn_batches=2 --set strategy.checkpoint_every=3 ;;
    darts) echo --config "$here/../configs/darts.json" --set strategy.epochs=3 ;;
    gdas) echo --config "$here/../configs/gdas.json" --set strategy.epochs=3 --set strategy.max_paths=8 ;;
    *) echo "unknown strategy $1 (expected one of ${all[*]})" >&2; return 1 ;;
  esac
}

# The journal without its timing fields, one entry a line; a torn last line (no newline or not JSON) is left out.
strip() {
  /usr/bin/python3 -c '
import json, sys
try:
    text = open(sys.argv[1]).read()
except FileNotFoundError:
    text = ""
for line in text.split("\n")[:-1]:
    try:
        d = json.loads(line)
    except ValueError:
        break
    print(json.dumps({k: v for k, v in d.items() if k != "seconds" and not k.endswith("_seconds")
                      and k != "timestamp" and not k.endswith("_per_second")}))' "$1"
}

# 0 when run dir $2 holds what run dir $1 holds: journal, best.json, checkpoints.
same_result() {
  cmp -s <(strip "$1/journal.jsonl") <(strip "$2/journal.jsonl") || return 1
  cmp -s "$1/best.json" "$2/best.json" || return 1
  local f
  for f in "$1"/*.safetensors; do
    [ -e "$f" ] || continue
    cmp -s "$f" "$2/$(basename "$f")" || return 1
  done
}

# 0 when the journal of run dir $2 is a prefix of run dir $1's.
is_prefix() {
  local a b
  a=$(strip "$1/journal.jsonl"); b=$(strip "$2/journal.jsonl")
  [ -z "$b" ] || [ "${a:0:${#b}}" = "$b" ]
}

kill_point() { # i: the i-th kill delay in seconds, uniform in (0.2, $full_seconds)
  /usr/bin/python3 -c 'import random, sys; r = random.Random(int(sys.argv[1]) * 1000003 + int(sys.argv[2]))
print("%.2f" % r.uniform(0.2, float(sys.argv[3])))' "$KILL_SEED" "$1" "$full_seconds"
}

matrix_row() { # strategy: runs its kills, prints its row; 0 when every check held
  local s=$1 dir=$work/$1 args
  args=$(config_of "$s") || return 1
  rm -rf "$dir"; mkdir -p "$dir"
  local t0=$SECONDS
  # shellcheck disable=SC2086
  "$clnas" search "${tiny[@]}" $args --set name="kill-$s" --out "$dir/full" > "$dir/full.log" 2>&1 ||
    { echo "$s: the uninterrupted run failed (see $dir/full.log)"; return 1; }
  full_seconds=$(( SECONDS - t0 + 1 ))
  local done_kills=0 prefix_ok=0 finished=0 identical=0 i=0 started=0
  while [ $done_kills -lt "$kills" ]; do
    if [ $started -eq 0 ]; then
      rm -rf "$dir/cut"
      # shellcheck disable=SC2086
      "$clnas" search "${tiny[@]}" $args --set name="kill-$s" --out "$dir/cut" >> "$dir/cut.log" 2>&1 & local pid=$!
      started=1
    else
      "$clnas" search --resume "$dir/cut" >> "$dir/cut.log" 2>&1 & local pid=$!
    fi
    i=$((i + 1))
    local delay; delay=$(kill_point $i)
    # wait up to the kill point, polling so that a run that ends early is noticed
    local end; end=$(/usr/bin/python3 -c "import time; print(time.time() + $delay)")
    while kill -0 "$pid" 2> /dev/null && /usr/bin/python3 -c "import sys, time; sys.exit(time.time() < $end)"; do
      sleep 0.1
    done
    kill -9 "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null; local rc=$?
    if [ $rc -eq 137 ]; then
      done_kills=$((done_kills + 1))
      if is_prefix "$dir/full" "$dir/cut"; then prefix_ok=$((prefix_ok + 1))
      else echo "$s: after kill $done_kills (at ${delay} s) the journal is not a prefix of the uninterrupted one"; fi
    elif [ $rc -eq 0 ]; then
      finished=$((finished + 1)); started=0
      if same_result "$dir/full" "$dir/cut"; then identical=$((identical + 1))
      else echo "$s: finished run $finished differs from the uninterrupted one (kept in $dir/cut-$finished)"
           cp -r "$dir/cut" "$dir/cut-$finished"; fi
    else
      echo "$s: a run exited $rc (see $dir/cut.log)"; return 1
    fi
  done
  if [ $started -eq 1 ]; then # the last killed run, resumed to its end
    "$clnas" search --resume "$dir/cut" >> "$dir/cut.log" 2>&1 || { echo "$s: final resume failed"; return 1; }
    finished=$((finished + 1))
    if same_result "$dir/full" "$dir/cut"; then identical=$((identical + 1))
    else echo "$s: the final run differs from the uninterrupted one"; cp -r "$dir/cut" "$dir/cut-$finished"; fi
  fi
  printf '%-15s %5d %12d %9d %10d %9d s\n' "$s" "$done_kills" "$prefix_ok" "$finished" "$identical" \
    $((SECONDS - t0))
  [ $prefix_ok -eq "$done_kills" ] && [ $identical -eq $finished ]
}

list=("$which"); [ "$which" = all ] && list=("${all[@]}")
printf '%-15s %5s %12s %9s %10s %9s\n' strategy kills journal-ok finished identical time
failed=0
for s in "${list[@]}"; do matrix_row "$s" || failed=1; done
echo "runs in $work"
exit $failed
