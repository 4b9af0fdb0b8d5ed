#!/usr/bin/env bash
# The C unit tests, three ways: as built, under ASan+UBSan (clang), and
# under valgrind's memcheck.  Each binary is one TAP check per way; its own
# TAP output is shown as comments.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/harness/tap.sh"
build=${S4U_BUILD:-$here/../build}
asan=${S4U_ASAN_BUILD:-$here/../build-asan}
# Every tests/<part>/test_*.c is a unit test binary <part>/test_* (the
# tests mirror the tree: tests/lib tests lib/, tests/s4uctl tests s4uctl/...).
units=$(cd "$here" && for f in */test_*.c; do printf '%s ' "${f%.c}"; done)

# check_unit NAME WAY cmd...: run one unit binary; pass if it exits 0.
check_unit() {
    local name=$1 way=$2
    shift 2
    run "$@"
    if [[ $RUN_STATUS -eq 0 ]]; then
        pass "$name ($way)"
    else
        fail "$name ($way)"
        diag "exit status $RUN_STATUS" "$RUN_OUTPUT"
    fi
    note "$RUN_OUTPUT"
}

for u in $units; do
    [[ -x $build/tests/$u ]] || bail_out "missing $build/tests/$u (make test-programs)"
    [[ -x $asan/tests/$u ]] || bail_out "missing $asan/tests/$u (make check builds it)"
    check_unit "$u" plain "$build/tests/$u"
    check_unit "$u" "ASan+UBSan" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$asan/tests/$u"
    check_unit "$u" valgrind valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite "$build/tests/$u"
done
done_testing
