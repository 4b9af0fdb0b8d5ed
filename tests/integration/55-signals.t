#!/usr/bin/env bash
# Signals to the helper.  Before the switch to the user's ids only root may
# signal it, even when a setuid application (su) started it with the
# caller's real uid.  After the switch the user may, and what she sends
# changes nothing: no false TIMEOUT from her SIGALRM, and if she kills it
# half-way through writing her cache, logout still removes that cache.
#
# The moment is made exact with strace's delay injection: the helper is
# held for a few seconds at the Nth add_key(2) of its cache write, and the
# signal is sent once /proc shows it there, running as the user.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start
command -v strace >/dev/null || bail_out "strace is needed (tests/install-deps.sh)"
[[ -u $(command -v su) ]] || bail_out "su is not setuid root here"

D=$S4U_TEST_DIR
HELPER=$S4U_BUILD/pam_s4u_helper
NR_ADD_KEY=$(s4u_syscall_nr add_key) || bail_out "cannot find add_key's syscall number"

# uids PID: the real, effective, saved and filesystem uids of PID.
uids() {
    awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$1/status" 2>/dev/null
}

# in_add_key PID: PID runs as alice and sits in add_key (the cache write).
in_add_key() {
    [[ $(uids "$1") == "61001 61001 61001 61001" ]] &&
        [[ $(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null) == "$NR_ADD_KEY" ]]
}

# talks_to_kdc PID: PID has a socket besides its stdin/stdout (the module's).
talks_to_kdc() {
    local fd
    for fd in /proc/"$1"/fd/*; do
        [[ ${fd##*/} =~ ^[0-9]+$ ]] && ((${fd##*/} > 2)) &&
            [[ $(readlink "$fd" 2>/dev/null) == socket:* ]] && return 0
    done
    return 1
}

# signal_during_write N SIGNAL: a login of alice's whose helper is held
# for 3 s at the Nth add_key of her cache write; meanwhile alice sends it
# SIGNAL.  The login's output is in OUT; SENT says whether her kill(1)
# succeeded.
signal_during_write() {
    local n=$1 sig=$2 sender
    rm -f "$D/sent"
    (
        pid=$(s4u_wait_helper in_add_key) || exit 1
        as_user alice kill -s "$sig" "$pid" && echo yes >"$D/sent"
    ) &
    sender=$!
    run strace -f -qq -o /dev/null -e trace=add_key \
        -e inject="add_key:delay_enter=3000000:when=$n" \
        timeout 60 "$S4U_BUILD/tools/pam_driver" "$D/pam.d" login alice \
        open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
    OUT=$RUN_OUTPUT
    wait "$sender"
    SENT=$(cat "$D/sent" 2>/dev/null)
}

s4u_pam_service login "targets=$S4U_TARGETS" debug

# --- her SIGALRM after the switch: no false TIMEOUT ---------------------------
# add_key #2: the cache keyring exists, nothing in it yet.
syslog_clear
signal_during_write 2 ALRM
is "$SENT" yes "alice sent SIGALRM to her helper while it wrote her cache"
like "$OUT" $'(^|\n)open: Success' "the session opens"
is "$(syslog_grep 'TIMEOUT' | wc -l)" 0 "the log claims no KDC timeout"
ok "the login went on as if nothing happened" syslog_wait \
    'delegated 2 of 2 targets for user=alice into KEYRING:persistent:61001:s4u_'
is "$(grep -c '^cred client=alice' <<<"$OUT")" 2 "both tickets are in her cache"
is "$(s4u_our_caches alice)" "" "after logout no cache of ours is left"
s4u_clean_user alice

# --- her SIGKILL mid-write: logout still removes the half-written cache ----
# add_key #2: only the cache keyring; #4: also its principal and time
# offsets, before the first ticket.
for n in 2 4; do
    syslog_clear
    signal_during_write "$n" KILL
    is "$SENT" yes "add_key #$n: alice killed her helper while it wrote her cache"
    like "$OUT" $'(^|\n)open: Success' "add_key #$n: the session still opens"
    ok "add_key #$n: the log says the helper stopped" syslog_wait \
        'delegation failed for user=alice: the pam_s4u helper could not run or answered badly \[HELPER: the helper stopped before finishing'
    ok "add_key #$n: logout removed the cache the helper had announced" syslog_wait \
        'removed KEYRING:persistent:61001:s4u_[0-9a-f]{16} for user=alice'
    is "$(s4u_our_caches alice)" "" "add_key #$n: after logout no cache of ours is left"
    s4u_clean_user alice
done

# --- su: the caller cannot signal the root helper -------------------------------
# su keeps bob's real uid, and the helper inherits it.  With a KDC that
# never answers, the helper waits in its root phase for timeout= seconds.
cat >/etc/pam.d/su <<EOF
auth     sufficient  pam_rootok.so
auth     sufficient  pam_permit.so
account  required    pam_permit.so
session  required    pam_permit.so
session  optional    $S4U_BUILD/pam_s4u.so helper=$HELPER principal=$S4U_HOST keytab=$D/serverb.keytab targets=$S4U_TARGETS timeout=4
EOF
dead_port=$(realm_free_port)
realm_write_krb5conf "$D/silent.conf" "" "127.0.0.1:$dead_port"
ok "a KDC that never answers" s4u_start_silent_kdc "$dead_port"
ns_set_krb5conf "$D/silent.conf"
rm -f "$D/ids" "$D/stop"
(
    pid=$(s4u_wait_helper talks_to_kdc) || exit 1
    uids "$pid" >"$D/ids"
    if as_user bob kill -STOP "$pid" 2>/dev/null; then
        echo stopped >"$D/stop"
        kill -CONT "$pid"
    else
        echo refused >"$D/stop"
    fi
) &
prober=$!
run as_user bob su alice -c true
wait "$prober"
s4u_stop_silent_kdc
ns_set_krb5conf "$REALM_KRB5_CONFIG"
is "$RUN_STATUS" 0 "bob's su to alice succeeds"
is "$(cat "$D/ids" 2>/dev/null)" "0 0 0 0" "the helper started by su runs with every uid 0"
is "$(cat "$D/stop" 2>/dev/null)" refused "bob cannot stop the helper"

# --- the module kills its own helper, never a process that took its pid -------
# An application's SIGCHLD handler may reap the helper before the module
# does; pid_reuse then gives the helper's pid to a new process at once.  This
# helper (tests/tools/lingering_helper, in the world's root-owned build
# copy, as helper= requires) exits but leaves its answer socket open in a
# child, so the module waits out timeout= and then kills what it started.
S4U_NO_DEFAULTS=1 s4u_pam_service reuse "targets=$S4U_TARGETS" timeout=1
sed -i "s#helper=[^ ]*#helper=$S4U_BUILD/tools/lingering_helper#" "$D/pam.d/reuse"
run unshare --pid --fork --mount-proc "$S4U_BUILD/tools/pid_reuse" "$D/pam.d" reuse alice
is "$RUN_STATUS" 0 "the application gave the reaped helper's pid to a new process"
like "$RUN_OUTPUT" 'victim: alive' "the module's kill did not reach that process"

done_testing
