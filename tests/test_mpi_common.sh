# clnas tests — what the MPI tests share (sourced): the tool, mpirun with the flags this machine needs, and the check
# that a journal holds each trial 0 .. N-1 exactly once.
set -euo pipefail
CLNAS=$1
SRC=$2
MPIRUN=$3
# Open MPI refuses root without these, and a 2-core machine needs --oversubscribe for 3 ranks.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi() { "$MPIRUN" --oversubscribe -np "$@"; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/clnas-mpi-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# each_once JOURNAL N: every trial 0 .. N-1 appears exactly once, and "completion" is each line's index.
each_once() {
  local journal=$1 n=$2
  [ "$(wc -l < "$journal")" -eq "$n" ] || fail "$journal has $(wc -l < "$journal") lines, expected $n"
  diff <(grep -o '"trial":[0-9]*' "$journal" | cut -d: -f2 | sort -n) <(seq 0 $((n - 1))) > /dev/null \
    || fail "$journal: the trials are not 0 .. $((n - 1)) each once"
  diff <(grep -o '"completion":[0-9]*' "$journal" | cut -d: -f2) <(seq 0 $((n - 1))) > /dev/null \
    || fail "$journal: completion is not the line's index"
}
