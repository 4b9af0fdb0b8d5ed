#!/usr/bin/env bash
# run.sh: run the libFuzzer harnesses of tests/fuzz/.
#
#   bash tests/fuzz/run.sh SECONDS 'EXTRA FLAGS' NAME...   (make fuzz)
#
# runs each fuzz_NAME for SECONDS from its seeds (tests/fuzz/corpus/NAME/)
# and the inputs earlier runs found (build-fuzz/fuzz-corpus/NAME/, where new
# ones go), with its dictionary if it has one (tests/fuzz/NAME.dict), then
# prints executions and crashes per target.  Crashing inputs are kept in
# build-fuzz/fuzz-crashes/NAME/.  Exits non-zero if any target crashed.
#
# tests/fuzz.t sources this file for fuzz_one.
set -uo pipefail

FUZZ_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FUZZ_BUILD=${S4U_FUZZ_BUILD:-$FUZZ_SRC/../../build-fuzz}

# fuzz_one NAME SECONDS CORPUS CRASHDIR [FLAGS...]: run one harness.
# Sets FUZZ_STATUS (its exit status), FUZZ_EXECS, FUZZ_RATE (exec/s),
# FUZZ_CRASHES (crash, leak, timeout and out-of-memory inputs it wrote) and
# FUZZ_LOG (its output).  The seeds are read, never written.
fuzz_one() {
    local name=$1 seconds=$2 corpus=$3 crashes=$4
    local bin=$FUZZ_BUILD/fuzz/fuzz_$name seeds=$FUZZ_SRC/corpus/$name
    local dict=$FUZZ_SRC/$name.dict log before after
    shift 4
    local -a flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$crashes/" "$@")
    [[ -f $dict ]] && flags+=(-dict="$dict")
    mkdir -p "$corpus" "$crashes" || return 1
    log=$crashes/last-run.log
    before=$(find "$crashes" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    FUZZ_STATUS=0
    "$bin" "${flags[@]}" "$corpus" "$seeds" >"$log" 2>&1 || FUZZ_STATUS=$?
    after=$(find "$crashes" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    FUZZ_CRASHES=$((after - before))
    # A run that stops early (a crash) prints no final stats: take the last
    # "#N" progress line then.
    FUZZ_EXECS=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    [[ -n $FUZZ_EXECS ]] ||
        FUZZ_EXECS=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
    FUZZ_RATE=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    FUZZ_EXECS=${FUZZ_EXECS:-0}
    FUZZ_RATE=${FUZZ_RATE:-0}
    if [[ $FUZZ_STATUS -ne 0 && $FUZZ_CRASHES -eq 0 ]]; then
        FUZZ_CRASHES=1 # died without saving an input: still a failure
    fi
    FUZZ_LOG=$log
}

fuzz_main() {
    local seconds=$1 extra=$2 name failed=0
    shift 2
    local -a flags
    read -r -a flags <<<"$extra"
    printf '%-16s %12s %10s %8s\n' target executions exec/s crashes
    for name in "$@"; do
        [[ -x $FUZZ_BUILD/fuzz/fuzz_$name ]] || {
            echo "run.sh: missing $FUZZ_BUILD/fuzz/fuzz_$name (make fuzz-build)" >&2
            return 2
        }
        fuzz_one "$name" "$seconds" "$FUZZ_BUILD/fuzz-corpus/$name" \
            "$FUZZ_BUILD/fuzz-crashes/$name" "${flags[@]}"
        printf '%-16s %12s %10s %8s\n' "$name" "$FUZZ_EXECS" "$FUZZ_RATE" \
            "$FUZZ_CRASHES"
        if [[ $FUZZ_CRASHES -ne 0 ]]; then
            failed=1
            grep -E '^(==[0-9]+==ERROR|SUMMARY|.*property broken|.*runtime error)' \
                "$FUZZ_LOG" | head -n 5 | sed 's/^/    /'
            echo "    log: $FUZZ_LOG; inputs: $FUZZ_BUILD/fuzz-crashes/$name/"
        fi
    done
    return $failed
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    [[ $# -ge 3 ]] || {
        echo "usage: $0 SECONDS 'EXTRA FLAGS' NAME..." >&2
        exit 2
    }
    fuzz_main "$@"
    exit $?
fi
