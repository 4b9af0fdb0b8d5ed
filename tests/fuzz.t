#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The libFuzzer harnesses (tests/fuzz/), briefly: each runs from its seeds
# (tests/fuzz/corpus/<name>/, which hold the inputs of past crashes too)
# for S4U_FUZZ_SECONDS, S4U_FUZZ_JOBS at a time, and must not crash.  The
# inputs found are thrown away; `make fuzz` is the longer run that keeps
# them.  Executions per second are reported as comments.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=harness/tap.sh
. "$here/harness/tap.sh"
# shellcheck source=fuzz/run.sh
. "$here/fuzz/run.sh"
seconds=${S4U_FUZZ_SECONDS:-2}
jobs=${S4U_FUZZ_JOBS:-$(nproc)}
targets=$(cd "$here/fuzz" && for f in fuzz_*.c; do
    f=${f#fuzz_}
    printf '%s ' "${f%.c}"
done)

work=$(mktemp -d "${TMPDIR:-/tmp}/s4u-fuzz-t.XXXXXX") || bail_out "mktemp failed"
trap 'rm -rf "$work"' EXIT
for name in $targets; do
    [[ -x $FUZZ_BUILD/fuzz/fuzz_$name ]] ||
        bail_out "missing $FUZZ_BUILD/fuzz/fuzz_$name (make fuzz-build)"
done

# Run every target in the background, at most $jobs at once; each leaves
# "status execs rate crashes log" in $work/NAME.result.
for name in $targets; do
    while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do
        wait -n
    done
    (
        fuzz_one "$name" "$seconds" "$work/corpus/$name" \
            "$FUZZ_BUILD/check-crashes/$name"
        printf '%s %s %s %s %s\n' "$FUZZ_STATUS" "$FUZZ_EXECS" "$FUZZ_RATE" \
            "$FUZZ_CRASHES" "$FUZZ_LOG" >"$work/$name.result"
    ) &
done
wait

for name in $targets; do
    if ! read -r status execs rate crashes log <"$work/$name.result"; then
        fail "fuzz_$name ran" "no result from fuzz_$name"
        continue
    fi
    if [[ $status -eq 0 && $crashes -eq 0 && $execs -gt 0 ]]; then
        pass "fuzz_$name: no crash in $execs runs"
    else
        fail "fuzz_$name: no crash in $execs runs" \
            "exit status $status; inputs in $FUZZ_BUILD/check-crashes/$name/" \
            "$(grep -v -E '^(#[0-9]|INFO:|MERGE|\s*$)' "$log" | tail -n 40)"
    fi
    note "fuzz_$name: $execs execs in ${seconds}s, $rate exec/s"
done
done_testing
