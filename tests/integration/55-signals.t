#!/usr/bin/env bash
# Signals to the helper: only root may signal it while it holds the host's
# keys, even when a setuid application (su) started it with the caller's
# real uid.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start
[[ -u $(command -v su) ]] || bail_out "su is not setuid root here"

D=$S4U_TEST_DIR
HELPER=$S4U_BUILD/pam_s4u_helper

# helper_pid: the pid of this world's running pam_s4u_helper.
helper_pid() {
    local pid
    for pid in $(pgrep -x pam_s4u_helper); do
        if [[ /proc/$pid/exe -ef $HELPER ]]; then
            printf '%s\n' "$pid"
            return 0
        fi
    done
    return 1
}

# uids PID: the real, effective, saved and filesystem uids of PID.
uids() {
    awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$1/status" 2>/dev/null
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

# wait_helper COND: print the helper's pid once COND PID holds (20 s at most).
wait_helper() {
    local i pid
    for ((i = 0; i < 400; i++)); do
        pid=$(helper_pid) && "$1" "$pid" && { printf '%s\n' "$pid"; return 0; }
        sleep 0.05
    done
    return 1
}

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
    pid=$(wait_helper talks_to_kdc) || exit 1
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

done_testing
