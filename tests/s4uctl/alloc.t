#!/usr/bin/env bash
# s4uctl when memory runs out: each allocation s4uctl's own code makes is
# failed in turn (tests/tools/failalloc.so), and s4uctl --json status, as
# root, must end with an error or a result every time: no crash, no abort
# from free(), no hang.  The host's steps run and stop at the keytab, which
# does not exist: no KDC is needed, only the namespace's own krb5.conf.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
[[ -x $S4U_BUILD/s4uctl ]] || bail_out "missing $S4U_BUILD/s4uctl (run make)"
[[ -f $S4U_BUILD/tools/failalloc.so ]] || bail_out "missing $S4U_BUILD/tools/failalloc.so (make test-programs)"
S4U_TEST_DIR=$(mktemp -d /tmp/s4u-test.XXXXXX) || bail_out "mktemp failed"
export S4U_TEST_DIR
trap 'ns_teardown; rm -rf "$S4U_TEST_DIR"' EXIT
ns_setup || bail_out "namespace setup failed"

SVC=$S4U_TEST_DIR/jump
printf 'session optional pam_s4u.so targets=%s principal=%s keytab=%s debug\n' \
    "$S4U_TARGETS" "$S4U_HOST" "$S4U_TEST_DIR/no.keytab" >"$SVC"

# status_failing N [ENV...]: s4uctl --json status with its Nth allocation
# failed (0: none).
status_failing() {
    local n=$1
    shift
    run timeout 60 env S4U_FAIL_ALLOC="$n" LD_PRELOAD="$S4U_BUILD/tools/failalloc.so" "$@" \
        "$S4U_BUILD/s4uctl" --json --service "$SVC" status
}

status_failing 0 S4U_FAIL_ALLOC_COUNT="$S4U_TEST_DIR/count"
like "$RUN_OUTPUT" '"command": *"status"' "status runs under the shim when nothing fails"
like "$RUN_OUTPUT" 'KEYTAB_MISSING' "and stops at the missing keytab"
total=$(cat "$S4U_TEST_DIR/count" 2>/dev/null)
ok "the shim sees s4uctl's own allocations (${total:-none})" test "${total:-0}" -gt 10

bad=0
for ((n = 1; n <= ${total:-0}; n++)); do
    status_failing "$n" 2>/dev/null
    # timeout exits 124 when s4uctl hangs, 128+N when a signal killed it.
    if ((RUN_STATUS >= 124)) || grep -qE 'free\(\)|double free|corrupted' <<<"$RUN_OUTPUT"; then
        bad=$((bad + 1))
        diag "allocation $n failed: exit status $RUN_STATUS" "$RUN_OUTPUT"
    fi
done
is "$bad" 0 "no failed allocation crashes or hangs status (${total:-0} tried)"

done_testing
