#!/usr/bin/env bash
# A logout and an s4uctl refresh of the same session never overlap, and a
# setcred refresh keeps the session's record true.
#
# - Logout during a refresh: the refresh is stopped (SIGSTOP, injected by
#   strace) at its first unlinkat(2), the start of the record's rewrite,
#   after its helper renewed the cache; the session then logs out.  Logout
#   must wait for the refresh, so that afterwards neither the cache nor the
#   record is left; without the lock the refresh would write the record of
#   a session that has ended.
# - A refresh during a logout: the PAM application is stopped the same way
#   at its first socketpair(2) of the logout, when it is about to run the
#   helper that removes the cache; a refresh run then must skip the session
#   ("busy"), not rewrite its cache.
# - setcred REFRESH in a session held open: the record gets the refreshed
#   tickets' end times, so that s4uctl refresh does not renew them early.
# The stops are exact (a syscall), and the test resumes the process itself:
# no timing is asserted.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
[[ -x $S4U_BUILD/s4uctl ]] || bail_out "missing $S4U_BUILD/s4uctl (run make)"
command -v strace >/dev/null || bail_out "strace is needed (tests/install-deps.sh)"
s4u_world_start
D=$S4U_TEST_DIR
RECORDS=/run/pam_s4u/sessions
CIFS=cifs/serverc.example.test
# cifs/serverc's tickets live 5 minutes: always within the default margin.
realm_kadmin "modprinc -maxlife \"5 minutes\" $CIFS" >/dev/null ||
    bail_out "cannot shorten cifs/serverc's ticket life"
s4u_pam_service jump "targets=$S4U_TARGETS"
cp "$D/pam.d/jump" /etc/pam.d/jump || bail_out "cannot install the PAM service"
NR_NANOSLEEP=$(s4u_syscall_nr clock_nanosleep) || bail_out "cannot find clock_nanosleep's syscall number"

# closed NAME: pam_driver NAME has run its close step.
closed() { grep -q '^close: ' "$D/$1.out"; }
# until_true CMD...: wait for CMD to succeed (20 s at most).
until_true() {
    local i
    for ((i = 0; i < 400; i++)); do
        "$@" && return 0
        sleep 0.05
    done
    return 1
}
# stopped PID: PID is in a group stop (shown as a tracing stop under strace).
stopped() { [[ $(awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null) == [Tt] ]]; }
# traced PID: a tracer is attached to PID.
traced() { [[ $(awk '$1 == "TracerPid:" { print $2 }' "/proc/$1/status" 2>/dev/null) != 0 ]]; }
# waits_or_closed NAME PID: the logout of NAME waits for the lock (PID
# sleeps in it), or has already run through.
waits_or_closed() {
    closed "$1" || [[ $(cut -d' ' -f1 "/proc/$2/syscall" 2>/dev/null) == "$NR_NANOSLEEP" ]]
}
# refresh_stopped: the s4uctl that strace started is stopped.
refresh_stopped() {
    local pid
    pid=$(pgrep -x -P "$STRACE_PID" s4uctl) && stopped "$pid"
}

# LeakSanitizer cannot run under ptrace: in the sanitizer pass
# (S4U_SANITIZED=1) the programs strace holds check memory errors but not
# leaks (63-refresh.t checks the same paths' leaks without strace).
NOLEAK=S4U_=
[[ ${S4U_SANITIZED:-} != 1 ]] || NOLEAK=ASAN_OPTIONS=detect_leaks=0

# --- logout during a refresh -----------------------------------------------------------
ok "a session held open" s4u_hold_session jump alice one
sleep 1.1
env "$NOLEAK" strace -qq -o /dev/null -e trace=unlinkat -e inject=unlinkat:signal=SIGSTOP:when=1 \
    "$S4U_BUILD/s4uctl" refresh >"$D/refresh.out" 2>&1 &
STRACE_PID=$!
ok "the refresh stops at the start of the record's rewrite" until_true refresh_stopped
R=$(pgrep -x -P "$STRACE_PID" s4uctl)
ok "after its helper renewed the cache" test -n "$(s4u_dump alice "$CC")"
touch "$D/one.go"
ok "the session logs out meanwhile" until_true waits_or_closed one "$PID"
nok "logout waits for the refresh" closed one
kill -CONT "$R"
wait "$STRACE_PID"
like "$(cat "$D/refresh.out")" "user=alice: refreshed: refreshed 2 of 2 targets in $CC" "the refresh completes"
ok "then logout completes" until_true closed one
like "$(cat "$D/one.out")" 'close: Success' "(successfully)"
ok "no record is left" test ! -e "$REC"
nok "nor the cache" s4u_dump alice "$CC"

# --- a refresh during a logout ---------------------------------------------------------
rm -f "$RECORDS"/* # (what a failure above may have left)
ok "another session" s4u_hold_session jump alice two "$NOLEAK"
strace -qq -o /dev/null -p "$PID" -e trace=socketpair \
    -e inject=socketpair:signal=SIGSTOP:when=1 &
STRACE_PID=$!
ok "(strace holds its application)" until_true traced "$PID"
before=$(s4u_dump alice "$CC")
sleep 1.1
touch "$D/two.go"
ok "its logout stops before it runs the helper that removes the cache" until_true stopped "$PID"
run timeout 60 "$S4U_BUILD/s4uctl" refresh
is "$RUN_STATUS" 0 "a refresh meanwhile succeeds"
like "$RUN_OUTPUT" "user=\\?: busy: its logout \\(or another refresh\\) is under way; skipped" \
    "and skips the session"
is "$(s4u_dump alice "$CC")" "$before" "its cache is left alone"
kill -CONT "$PID"
ok "logout completes" until_true closed two
wait "$STRACE_PID"
like "$(cat "$D/two.out")" 'close: Success' "(successfully)"
ok "no record is left" test ! -e "$REC"
nok "nor the cache" s4u_dump alice "$CC"

# --- setcred REFRESH updates the record -------------------------------------------------
rm -f "$RECORDS"/* "$D"/three.*
# shellcheck disable=SC2016 # the loops run in the user's shell
(timeout 120 "$S4U_BUILD/tools/pam_driver" "$D/pam.d" jump alice open \
    "run:while [ ! -e $D/three.refresh ]; do sleep 0.1; done" refresh \
    "run:while [ ! -e $D/three.go ]; do sleep 0.1; done" close \
    >"$D/three.out" 2>&1 &)
recorded() { REC=$(grep -l '^user=alice$' $RECORDS/* 2>/dev/null | head -n 1) && [[ -n $REC ]]; }
ok "a session held open" until_true recorded
CC=$(sed -n 's/^ccache=//p' "$REC")
old=$(awk -v t="$CIFS" '$1 ~ /^target=/ && $2 == t { sub(/^target=/, "", $1); print $1 }' "$REC")
ok "its record has cifs/serverc's end time" test -n "$old"
sleep 1.1
touch "$D/three.refresh"
refreshed() { grep -q '^refresh: ' "$D/three.out"; }
ok "setcred REFRESH runs" until_true refreshed
like "$(cat "$D/three.out")" 'refresh: Success' "(successfully)"
new=$(s4u_dump alice "$CC" | grep "server=$CIFS@" | grep -o 'endtime=[0-9]*' | cut -d= -f2)
ok "the cache's ticket ends later" test "${new:-0}" -gt "$old"
like "$(grep '^target=' "$REC")" "target=$new $CIFS" "the record has the new end time"
touch "$D/three.go"
ok "logout" until_true closed three
ok "no record is left" test ! -e "$REC"

done_testing
