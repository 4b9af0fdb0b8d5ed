#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# 32-logins.t: many logins through the real PAM stack in one process, as a
# long-running sshd does (tests/tools/pam_loop): every login gets its
# cache and loses it at close, and nothing grows.
#
#   - S4U_LOGINS logins (default 500) as built: no descriptor more after
#     the last login than after the first;
#   - S4U_VALGRIND_LOGINS logins (default 50) under valgrind's memcheck:
#     no memory error, no definite or indirect leak, no descriptor growth.
#     `make soak` runs 500 of them (about 80 s here).
# In the sanitizer pass (S4U_SANITIZED=1) the build is ASan's: 50 logins
# (S4U_LOGINS) run under ASan+UBSan, LeakSanitizer checks them at exit,
# and any report fails the test; valgrind is not used there.
#
# Figures (time, descriptors, RSS, bytes in use at exit) are TAP comments.
set -uo pipefail
# shellcheck source=../harness/s4u.sh
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
[[ -x ${S4U_BUILD:-}/tools/pam_loop ]] ||
    bail_out "missing $S4U_BUILD/tools/pam_loop (run make test-programs)"
s4u_world_start
LOGINS=${S4U_LOGINS:-500}
VG_LOGINS=${S4U_VALGRIND_LOGINS:-50}
# In the sanitizer pass the logins "as built" run under ASan+UBSan, and
# LeakSanitizer checks them at exit: fewer of them, and no valgrind.
[[ ${S4U_SANITIZED:-} != 1 ]] || LOGINS=${S4U_LOGINS:-$VG_LOGINS}
s4u_pam_service loop "targets=$S4U_TARGETS"

# loop COUNT [PREFIX...]: pam_loop for alice, its output in RUN_OUTPUT,
# its wall time in ELAPSED.
loop() {
    local count=$1 t0=$EPOCHREALTIME ms
    shift
    run "$@" "$S4U_BUILD/tools/pam_loop" "$S4U_TEST_DIR/pam.d" loop alice "$count"
    ms=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
    ELAPSED=$(printf '%d.%03d s' $((ms / 1000)) $((ms % 1000)))
}

# --- as built ------------------------------------------------------------------
syslog_clear
loop "$LOGINS"
note "$LOGINS logins in one process: $ELAPSED" "$RUN_OUTPUT"
is "$RUN_STATUS" 0 "$LOGINS logins in one process: each gets its cache and loses it at close"
like "$RUN_OUTPUT" "logins good=$LOGINS of $LOGINS" "$LOGINS of $LOGINS logins are good"
fds=$(sed -n 's/^fds before=\([0-9]*\) first=\([0-9]*\) last=\([0-9]*\)$/\1 \2 \3/p' <<<"$RUN_OUTPUT")
read -r before first last <<<"$fds"
ok "no descriptor more after the last login than after the first" \
    test -n "$last" -a "${last:-1}" -le "${first:-0}"
# One descriptor may open at the first login and stay (a library's, opened
# once): that is the difference between "before" and "first", in the note.
note "descriptors before the first login: $before"
is "$(syslog_grep 'delegated 2 of 2 targets for user=alice' | wc -l)" "$LOGINS" \
    "every login delegated both targets"
is "$(s4u_our_caches alice)" "" "no cache of these logins is left in alice's collection"

# --- under valgrind ----------------------------------------------------------------
if [[ ${S4U_SANITIZED:-} != 1 ]]; then
    vglog=$S4U_TEST_DIR/valgrind.log
    loop "$VG_LOGINS" valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$vglog"
    note "$VG_LOGINS logins under valgrind: $ELAPSED" "$RUN_OUTPUT" \
        "$(grep -E 'in use at exit|definitely lost|indirectly lost|possibly lost|ERROR SUMMARY' "$vglog")"
    is "$RUN_STATUS" 0 "$VG_LOGINS logins under valgrind: no memory error, no definite or indirect leak, no descriptor growth"
    [[ $RUN_STATUS -eq 0 ]] || diag "$(head -n 80 "$vglog")"
    like "$RUN_OUTPUT" "logins good=$VG_LOGINS of $VG_LOGINS" "under valgrind too, every login is good"
    like "$(cat "$vglog")" 'ERROR SUMMARY: 0 errors' "valgrind counted no error"
    like "$(cat "$vglog")" 'definitely lost: 0 bytes|All heap blocks were freed' "valgrind found nothing definitely lost"
fi

done_testing
