#!/usr/bin/env bash
# Runs every fuzz target of tests/fuzz for a fixed time under ASan and UBSan (the CLNAS_FUZZ build, clang with
# libFuzzer), FUZZ_JOBS targets at a time, each from its checked-in seed corpus plus its regression inputs. A crash,
# leak, timeout or out-of-memory input is copied to tests/fuzz/regressions/<target>/ (ctest replays those in every
# build) and the script exits 1 naming it.
# usage: tests/fuzz/run.sh [seconds per target, default 20] [target...]
#   BUILD=build-fuzz  FUZZ_JOBS=$(nproc)  FUZZ_WORK=scratch dir (the grown corpora stay there)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-20}
shift $(( $# > 0 ? 1 : 0 ))
build=${BUILD:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}
work=${FUZZ_WORK:-$(mktemp -d)}
mkdir -p "$work"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < "$here/targets.txt"
fi
if [ ! -x "$build/tests/fuzz/fuzz_${targets[0]}" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLNAS_FUZZ=ON \
    -DCLNAS_TESTS=OFF > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
fi
cmake --build "$build" -j"$jobs" --target clnas_fuzz_targets > "$work/build.log" ||
  { tail -30 "$work/build.log"; exit 1; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0

fuzz_one() { # target: fuzzes for $seconds; 0 when nothing was found
  local t=$1 out=$work/$1
  rm -rf "$out/crashes" # what an earlier run in the same FUZZ_WORK found is not this run's finding
  mkdir -p "$out/corpus" "$out/crashes"
  local seeds=("$here/corpus/$t")
  [ -d "$here/regressions/$t" ] && seeds+=("$here/regressions/$t")
  # -timeout: an input slower than 10 s is a hang; -rss_limit_mb: the parsers must refuse what they cannot hold
  "$build/tests/fuzz/fuzz_$t" "$out/corpus" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=16384 -artifact_prefix="$out/crashes/" -print_final_stats=1 > "$out/log" 2>&1
  local rc=$? found slow
  # libFuzzer keeps an input that ran over 10 s of wall time as slow-unit-*, without failing: on a loaded machine
  # that is any input, so it is named but not kept (-timeout catches a real hang as timeout-*)
  slow=$(cd "$out/crashes" && ls slow-unit-* 2> /dev/null)
  [ -n "$slow" ] && rm -f "$out/crashes"/slow-unit-*
  found=$(ls "$out/crashes" 2> /dev/null)
  local execs; execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log")
  local cov; cov=$(grep -o 'cov: [0-9]*' "$out/log" | tail -1)
  if [ $rc -ne 0 ] || [ -n "$found" ]; then
    mkdir -p "$here/regressions/$t"
    for f in $found; do cp "$out/crashes/$f" "$here/regressions/$t/$f"; done
    echo "fuzz_$t: FOUND (exit $rc) after ${execs:-?} runs: ${found:-no input saved} -> tests/fuzz/regressions/$t/"
    grep -m3 -E 'ERROR|runtime error|SUMMARY|abort|deadly' "$out/log" | sed 's/^/    /'
    return 1
  fi
  echo "fuzz_$t: ${seconds} s, ${execs:-?} runs, ${cov:-cov ?}, $(ls "$out/corpus" | wc -l) corpus inputs," \
       "nothing found${slow:+ (slow on this machine, not kept: $slow)}"
}

export -f fuzz_one
export here build work seconds
failed=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one {}' > "$work/summary" || failed=1
sort "$work/summary"
echo "logs and grown corpora in $work"
exit $failed
