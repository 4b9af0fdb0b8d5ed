# shellcheck shell=bash
# tap.sh: a tiny TAP producer for bash test scripts, understood by prove(1).
#
#   plan N                      declare N tests up front, or
#   done_testing                print the plan at the end (call it last either way:
#                               it checks the count and exits with the failure count)
#   ok    "name" cmd args...    pass if cmd exits 0
#   nok   "name" cmd args...    pass if cmd exits non-zero
#   is    "got" "expected" "name"
#   like  "got" "ERE" "name"    bash =~ match (the whole text, not line by line)
#   unlike "got" "ERE" "name"
#   pass "name" / fail "name"
#   run cmd args...             capture output and status in RUN_OUTPUT / RUN_STATUS
#   diag "text"                 comment on stderr (always shown by prove)
#   note "text"                 comment on stdout (shown by prove -v)
#   bail_out "reason"           abort the whole run; this counts as a failure
#
# A harness may define tap_final_checks: done_testing runs it first, so the
# checks it makes (as ok/fail) count like the test's own.
#
# There is deliberately no skip: a missing prerequisite is a bail_out.
# Commands run in the current shell (not a subshell), so variables they set
# and daemons they start survive. Do not call the checks from a subshell or
# a pipeline: the counters would be lost. Scripts should use
# `set -uo pipefail` rather than `set -e`, so that a failing check is
# reported and the script carries on.

TAP_COUNT=0
TAP_FAILED=0
TAP_PLANNED=

# plan N: print the plan line before the first test.
plan() {
    TAP_PLANNED=$1
    printf '1..%s\n' "$1"
}

# Prefix every line of $1 with "# " on stderr.
_tap_diag_block() {
    local line
    while IFS= read -r line || [[ -n $line ]]; do
        printf '# %s\n' "$line" >&2
    done <<<"$1"
}

# diag TEXT...: diagnostics on stderr, one argument (possibly multi-line) after another.
diag() {
    local arg
    for arg in "$@"; do
        _tap_diag_block "$arg"
    done
}

# note TEXT...: a comment on stdout, shown only by prove -v.
note() {
    local line
    while IFS= read -r line || [[ -n $line ]]; do
        printf '# %s\n' "$line"
    done <<<"$*"
}

# Record one result. $1 = 0 for pass; $2 = name.
_tap_result() {
    TAP_COUNT=$((TAP_COUNT + 1))
    if [[ $1 -eq 0 ]]; then
        printf 'ok %d - %s\n' "$TAP_COUNT" "$2"
        return 0
    fi
    TAP_FAILED=$((TAP_FAILED + 1))
    printf 'not ok %d - %s\n' "$TAP_COUNT" "$2"
    printf '#   Failed test %s\n' "'$2'" >&2
    return 1
}

pass() { _tap_result 0 "$1"; }

# fail NAME [DIAG...]
fail() {
    _tap_result 1 "$1" || true
    shift
    [[ $# -eq 0 ]] || diag "$@"
    return 1
}

# run cmd args...: run in the current shell, capture stdout+stderr and status.
# Never fails itself; look at RUN_STATUS and RUN_OUTPUT afterwards.
run() {
    local tmp
    tmp=$(mktemp "${TMPDIR:-/tmp}/tap-run.XXXXXX") || bail_out "tap.sh: mktemp failed"
    RUN_STATUS=0
    "$@" >"$tmp" 2>&1 || RUN_STATUS=$?
    RUN_OUTPUT=$(cat "$tmp")
    rm -f "$tmp"
    return 0
}

# Shared body of ok/nok: $1 = want zero (1) or non-zero (0), $2 = name, rest = cmd.
_tap_check_cmd() {
    local want_zero=$1 name=$2 passed=1
    shift 2
    [[ $# -gt 0 ]] || bail_out "tap.sh: '$name': no command given"
    run "$@"
    if [[ $want_zero -eq 1 ]]; then
        [[ $RUN_STATUS -eq 0 ]] || passed=0
    else
        [[ $RUN_STATUS -ne 0 ]] || passed=0
    fi
    if [[ $passed -eq 1 ]]; then
        _tap_result 0 "$name"
        return 0
    fi
    _tap_result 1 "$name" || true
    diag "command: $*" "exit status: $RUN_STATUS$([[ $want_zero -eq 1 ]] || printf ' (expected non-zero)')"
    [[ -z $RUN_OUTPUT ]] || diag "output:" "$RUN_OUTPUT"
    return 1
}

# ok NAME cmd args...: passes if the command exits 0.
ok() { _tap_check_cmd 1 "$@"; }

# nok NAME cmd args...: passes if the command exits non-zero.
nok() { _tap_check_cmd 0 "$@"; }

# is GOT EXPECTED NAME: exact string comparison.
is() {
    if [[ $1 == "$2" ]]; then
        _tap_result 0 "$3"
        return 0
    fi
    _tap_result 1 "$3" || true
    diag "     got: '$1'" "expected: '$2'"
    return 1
}

# like GOT ERE NAME: GOT must match the extended regular expression.
like() {
    if [[ $1 =~ $2 ]]; then
        _tap_result 0 "$3"
        return 0
    fi
    _tap_result 1 "$3" || true
    diag "got: '$1'" "does not match: /$2/"
    return 1
}

# unlike GOT ERE NAME: GOT must not match the extended regular expression.
unlike() {
    if ! [[ $1 =~ $2 ]]; then
        _tap_result 0 "$3"
        return 0
    fi
    _tap_result 1 "$3" || true
    diag "got: '$1'" "matches: /$2/"
    return 1
}

# bail_out REASON: stop everything now. EXIT traps still run.
bail_out() {
    printf 'Bail out! %s\n' "$*"
    exit 255
}

# done_testing: print the plan if none was given, check the count, and exit
# with the number of failures (capped at 254), like Test::More.
done_testing() {
    local status
    if declare -F tap_final_checks >/dev/null; then
        tap_final_checks
    fi
    status=$TAP_FAILED
    if [[ -z $TAP_PLANNED ]]; then
        printf '1..%d\n' "$TAP_COUNT"
    elif [[ $TAP_PLANNED -ne $TAP_COUNT ]]; then
        diag "planned $TAP_PLANNED tests but ran $TAP_COUNT"
        [[ $status -gt 0 ]] || status=255
    fi
    [[ $TAP_FAILED -eq 0 ]] || diag "failed $TAP_FAILED of $TAP_COUNT tests"
    [[ $status -le 254 ]] || status=254
    exit "$status"
}
