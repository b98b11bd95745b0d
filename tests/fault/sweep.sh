#!/usr/bin/env bash
# Fault-injection sweep: runs a tiny training search and a tiny SPOS search under the LD_PRELOAD shim
# (fault_shim.c), failing the Nth call of each kind (write, fsync, rename, mkdir, malloc, clCreateBuffer, clEnqueue,
# and a full disk on the journal and the SPOS checkpoint) for every N up to the count a first, fault-free pass
# makes (SAMPLES evenly spread Ns when there are more). Each run must end with exit 0 and the uninterrupted result,
# or with a clear error (exit 1..123 and a message; no signal, no hang), a readable journal, and a --resume
# (without faults) that ends with the uninterrupted run's journal, best.json and checkpoints.
# usage: tests/fault/sweep.sh [--reduced | --all]   (--reduced: the training search, the last N of each kind: ~2
#   minutes; --all: every N of every kind, about 12,000 runs: two hours on 2 cores)
#   CLNAS=path/to/clnas  SHIM=path/to/libclnas_fault_shim.so  WORK=scratch dir  SAMPLES=12  SCENARIOS="train spos"
#   JOBS=2 (runs at a time)  LIMIT=300 (seconds before a run counts as hung)  KINDS="write fsync ..." (default all)
#   PYTHON=python3 for the checks (default /usr/bin/python3 where it exists: a pyenv shim on PATH costs 0.3 s a call,
#   more than a faulty run)
#   DATA=Fashion-MNIST directory (default: an uncompressed copy of Debian's in WORK, made once: a quarter of a run
#   was spent inflating the .gz files)
set -u
here=$(cd "$(dirname "$0")" && pwd)
clnas=${CLNAS:-$here/../../build/clnas}
shim=${SHIM:-$here/../../build/tests/fault/libclnas_fault_shim.so}
work=${WORK:-$(mktemp -d)}
samples=${SAMPLES:-12}
scenarios=${SCENARIOS:-train spos}
jobs=${JOBS:-2}
limit=${LIMIT:-300}
reduced=0
python=${PYTHON:-python3}
[ -z "${PYTHON:-}" ] && [ -x /usr/bin/python3 ] && python=/usr/bin/python3
if [ "${1:-}" = --reduced ]; then reduced=1; samples=1; scenarios=train; fi
if [ "${1:-}" = --all ]; then samples=0; fi
export CLNAS_ALGO=${CLNAS_ALGO:-kernel}
mkdir -p "$work"
data=${DATA:-}
if [ -z "$data" ] && [ -d /usr/share/datasets/fashion-mnist ]; then
  data=$work/fashion-mnist
  if [ ! -f "$data/t10k-labels-idx1-ubyte" ]; then
    mkdir -p "$data"
    for f in /usr/share/datasets/fashion-mnist/*-ubyte.gz; do
      gzip -dc "$f" > "$data/$(basename "$f" .gz).part" && mv "$data/$(basename "$f" .gz).part" "$data/$(basename "$f" .gz)"
    done
  fi
fi
tiny="--set dataset.train_subset=256 --set dataset.validation_size=256 --set proxy.channels=4 --set proxy.batch=64"
[ -n "$data" ] && tiny="$tiny --set dataset.dir=$data"

args_of() { # scenario -> its search arguments
  case $1 in
    train) echo $tiny --set strategy.population=2 --set strategy.sample_size=1 --set strategy.cycles=1 ;;
    spos) echo $tiny --config "$here/../../configs/spos.json" --set proxy.epochs=1 --set strategy.population=2 \
               --set strategy.sample_size=1 --set strategy.cycles=1 --set strategy.bn_batches=1 \
               --set strategy.checkpoint_every=2 ;;
  esac
}

# The fault kinds of a scenario: name, shim call, path filter, sticky.
kinds_of() {
  echo "write write RUN 0"; echo "fsync fsync RUN 0"; echo "rename rename RUN 0"; echo "mkdir mkdir RUN 0"
  echo "malloc malloc - 0"; echo "clCreateBuffer clCreateBuffer - 0"; echo "clEnqueue clEnqueue - 0"
  echo "journal-ENOSPC write journal.jsonl 1"; echo "journal-fsync-ENOSPC fsync journal.jsonl 1"
  if [ "$1" = spos ]; then
    echo "checkpoint-ENOSPC write supernet.safetensors 1"; echo "checkpoint-fsync-ENOSPC fsync supernet.safetensors 1"
  fi
}

run_faulty() { # dir call n path sticky: one run of the scenario in dir with that fault; prints its exit status
  local dir=$1 call=$2 n=$3 path=$4 sticky=$5
  # shellcheck disable=SC2086
  CLNAS_FAULT_CALL=$call CLNAS_FAULT_N=$n CLNAS_FAULT_PATH=$path CLNAS_FAULT_STICKY=$sticky \
    CLNAS_FAULT_LOG="$dir.injected" CLNAS_FAULT_COUNT="$dir.counts" LD_PRELOAD=$shim \
    timeout -k 10 "$limit" "$clnas" search $ARGS --set name=fault --out "$dir" > "$dir.out" 2> "$dir.err"
  echo $?
}

# One faulty run and its checks; prints "outcome detail" (outcomes: absorbed, not-reached, failed-trial (exit 0, the
# fault recorded as a failed trial with its error, the search going on), clear+resumed, clear-no-run-dir, and the
# failures CRASH, HANG, UNCLEAR, DIFFERENT, JOURNAL-BAD, RESUME-FAILED, RESUME-DIFFERENT).
one_case() { # name call n path sticky
  local dir=$SCEN_WORK/$1-$3 rc
  rm -rf "$dir" "$dir".*
  local path=$4; [ "$path" = RUN ] && path=$dir; [ "$path" = - ] && path=
  rc=$(run_faulty "$dir" "$2" "$3" "$path" "$5")
  local injected=no; [ -s "$dir.injected" ] && injected=yes
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then echo "HANG rc=$rc"; return; fi
  if [ "$rc" -ge 128 ]; then echo "CRASH rc=$rc $(tail -n 1 "$dir.err")"; return; fi
  if [ "$rc" = 0 ]; then
    if why=$("$python" "$here/run_check.py" same "$SCEN_WORK/reference" "$dir" 2>&1); then
      [ $injected = yes ] && echo "absorbed" || echo "not-reached"
    elif "$python" "$here/run_check.py" failed-trial "$SCEN_WORK/reference" "$dir"; then
      echo "failed-trial $(grep -o '"error":"[^"]*' "$dir/journal.jsonl" | head -n 1 | cut -c10-160)"
    else echo "DIFFERENT $why (exit 0 after the fault)"; fi
    return
  fi
  if ! grep -q . "$dir.err"; then echo "UNCLEAR exit $rc with no message"; return; fi
  local msg; msg=$(grep -v '^ *$' "$dir.err" | tail -n 1 | cut -c1-160)
  if [ ! -f "$dir/config.json" ]; then echo "clear-no-run-dir $msg"; return; fi
  if ! why=$("$python" "$here/run_check.py" journal "$dir" 2>&1); then echo "JOURNAL-BAD $why"; return; fi
  if ! timeout -k 10 "$limit" "$clnas" search --resume "$dir" > "$dir.resume.out" 2> "$dir.resume.err"; then
    echo "RESUME-FAILED $(tail -n 1 "$dir.resume.err" | cut -c1-160) (after: $msg)"; return
  fi
  if why=$("$python" "$here/run_check.py" same "$SCEN_WORK/reference" "$dir" 2>&1); then echo "clear+resumed $msg"
  else echo "RESUME-DIFFERENT $why"; fi
}
export -f one_case run_faulty
export clnas shim limit here python

ns_of() { # count: the Ns to try (all, or $samples evenly spread from 1 to count; one sample: the last call, where
         # the closing code runs that the other samples seldom reach; 0 samples: all)
  "$python" -c 'import sys; c, k = int(sys.argv[1]), int(sys.argv[2])
spread = {1 + round(i * (c - 1) / (k - 1)) for i in range(k)} if k > 1 else {c}
ns = range(1, c + 1) if c <= k or k == 0 else sorted(spread)
print(" ".join(map(str, ns)))' "$1" "$samples"
}

failed=0
printf '%-9s %-22s %6s %5s %9s %9s %9s %12s %8s\n' scenario kind calls runs absorbed trial-fail clear+res \
  clear-no-dir failures
for scen in $scenarios; do
  SCEN_WORK=$work/$scen; ARGS=$(args_of "$scen"); export SCEN_WORK ARGS
  rm -rf "$SCEN_WORK"; mkdir -p "$SCEN_WORK"
  # the reference run, which also counts the calls of each kind (under the run directory's path, and per filter)
  CLNAS_FAULT_COUNT="$SCEN_WORK/reference.counts" CLNAS_FAULT_PATH="$SCEN_WORK/reference" LD_PRELOAD=$shim \
    "$clnas" search $ARGS --set name=fault --out "$SCEN_WORK/reference" > "$SCEN_WORK/reference.out" \
    2>&1 || { echo "$scen: the fault-free run failed"; exit 1; }
  while read -r name call path sticky; do
    [ -n "${KINDS:-}" ] && [[ " $KINDS " != *" $name "* ]] && continue
    count_file=$SCEN_WORK/reference.counts
    if [ "$path" != RUN ] && [ "$path" != - ]; then # a count pass under this path filter
      rm -rf "$SCEN_WORK/count-$name"
      CLNAS_FAULT_COUNT="$SCEN_WORK/count-$name.counts" CLNAS_FAULT_PATH=$path LD_PRELOAD=$shim \
        "$clnas" search $ARGS --set name=fault --out "$SCEN_WORK/count-$name" > /dev/null 2>&1
      count_file=$SCEN_WORK/count-$name.counts
    fi
    count=$(awk -v k="$call" '$1 == k {print $2}' "$count_file")
    ns=$(ns_of "${count:-0}")
    [ -z "$ns" ] && continue
    for n in $ns; do echo "$name $call $n $path $sticky"; done |
      xargs -P "$jobs" -L 1 bash -c 'echo "$2 $0 $(one_case "$0" "$1" "$2" "$3" "$4")"' > "$SCEN_WORK/$name.results"
    sort -n "$SCEN_WORK/$name.results" -o "$SCEN_WORK/$name.results"
    runs=$(wc -l < "$SCEN_WORK/$name.results")
    n_abs=$(awk '$3 == "absorbed" || $3 == "not-reached"' "$SCEN_WORK/$name.results" | wc -l)
    n_trial=$(awk '$3 == "failed-trial"' "$SCEN_WORK/$name.results" | wc -l)
    n_res=$(awk '$3 == "clear+resumed"' "$SCEN_WORK/$name.results" | wc -l)
    n_nodir=$(awk '$3 == "clear-no-run-dir"' "$SCEN_WORK/$name.results" | wc -l)
    n_bad=$((runs - n_abs - n_trial - n_res - n_nodir))
    printf '%-9s %-22s %6s %5s %9s %9s %9s %12s %8s\n' "$scen" "$name" "$count" "$runs" "$n_abs" "$n_trial" "$n_res" \
      "$n_nodir" "$n_bad"
    [ $n_bad -gt 0 ] && failed=1
  done < <(kinds_of "$scen")
done
echo
echo "the messages runs ended with, one per kind and outcome (N kind outcome message):"
cat "$work"/*/*.results | awk '$3 !~ /^(absorbed|not-reached)$/' | sort -k2,2 -k1,1n | sort -u -k2,2 -k3,3 | cut -c1-220
echo "runs in $work"
exit $failed
