#!/usr/bin/env bash
# demo.sh: the SSH double hop with pam-s4u, end to end, narrated (make demo).
#
# On this one machine, inside a private namespace (nothing outside changes):
#   ServerA  alice's workstation: an ssh client with no Kerberos at all;
#   ServerB  the jump host: sshd whose PAM stack runs pam_s4u;
#   ServerC  the back end: sshd (Kerberos only) and Apache (Negotiate only),
#   plus a real MIT KDC with the LDAP backend for realm EXAMPLE.TEST.
# alice logs in to ServerB with her SSH key; pam_s4u gets ServerC tickets for
# her by constrained delegation; from ServerB she reaches ServerC over SSH
# and HTTP without a password and without kinit.  Then everything stops.
#
# Exit status: 0 if every hop worked and everything stopped, 1 otherwise.
# Needs root and the packages of tests/install-deps.sh; S4U_BUILD names the
# build directory (default: build/).
# Commands for ServerB are single-quoted: they expand there, not here.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=tests/scenario/lib.sh
. "$(cd "$(dirname "$0")/../scenario" && pwd)/lib.sh"
ns_reexec "$@"

DEMO_FAILED=0

# The test library reports a broken setup with bail_out; here it ends the demo.
bail_out() {
    printf '\ndemo: FAILED: %s\n' "$*" >&2
    exit 1
}

say() { printf '%s\n' "$*"; }
step() { printf '\n[%s] %s\n' "$1" "$2"; }
# show PREFIX TEXT: TEXT indented, each line after PREFIX.
show() {
    local line
    [[ -n $2 ]] || return 0
    while IFS= read -r line; do printf '      %s%s\n' "$1" "$line"; done <<<"$2"
}
# check STATUS WHAT: if STATUS is not 0, report WHAT as a failed expectation
# and remember it.  Returns STATUS.
check() {
    if [[ $1 -ne 0 ]]; then
        printf '      !! FAILED: %s\n' "$2"
        DEMO_FAILED=1
    fi
    return "$1"
}
# last_line FILE ERE: the last line of a log that matches, without sshd's CR.
last_line() {
    scn_log "$1" | grep -E -- "$2" | tail -n 1
}
# syslog_line ERE: the same for ServerB's syslog, without the priority prefix.
syslog_line() {
    grep -E -- "$1" "$S4U_TEST_DIR/syslog" | tail -n 1 | sed 's/^<[0-9]*>//'
}

say "pam-s4u demo: the SSH double hop  ServerA -> ServerB (jump host) -> ServerC"
say "========================================================================="
say "Setting up, in a private namespace of this machine (nothing outside changes)..."
scn_start
# From here on stop everything even if the demo is interrupted.
trap 'scn_stop; exit 1' INT TERM

delegate_to=$(realm_ldapsearch "(krbPrincipalName=$S4U_HOST@EXAMPLE.TEST)" krbAllowedToDelegateTo |
    sed -n 's/^krbAllowedToDelegateTo: //p' | paste -sd' ' -)
say "  KDC      realm EXAMPLE.TEST: MIT krb5kdc with the LDAP backend (slapd), 127.0.0.1:$REALM_KDC_PORT"
say "           $S4U_HOST may delegate to: $delegate_to"
say "  ServerA  servera.example.test (127.0.0.2): alice's ssh client, no Kerberos"
say "  ServerB  serverb.example.test (127.0.0.3:$SCN_B_PORT): sshd; /etc/pam.d/sshd is"
say "           examples/pam.d/sshd with this pam_s4u line:"
say "             ${SCN_PAM_LINE//$S4U_TEST_DIR/\$S4U_TEST_DIR}"
say "  ServerC  serverc.example.test (127.0.0.4): sshd accepting gssapi-with-mic only"
say "           on port $SCN_C_PORT; Apache with mod_auth_gssapi on port $SCN_HTTP_PORT"

# --- 1 ---------------------------------------------------------------------
step 1 "ServerA: alice has no Kerberos at all"
scn_on_a alice klist
show 'alice@servera$ ' klist
show '' "$RUN_OUTPUT"
[[ $RUN_STATUS -ne 0 ]]
check $? "alice unexpectedly has Kerberos tickets on ServerA"

# --- 2 ---------------------------------------------------------------------
step 2 "ServerA -> ServerB: alice logs in with her SSH key"
show 'alice@servera$ ' "ssh serverb        (GSSAPIAuthentication no)"
scn_open alice alice
check "$RUN_STATUS" "alice could not log in to ServerB"
scn_wait_log "$SCN_B_LOG" '^Accepted publickey for alice ' 2>/dev/null
check $? "ServerB's sshd did not log the key login"
show "ServerB sshd:   " "$(last_line "$SCN_B_LOG" '^Accepted publickey for alice ')"
if scn_log "$SCN_B_LOG" | grep -Eq 'keyboard-interactive|[Pp]assword'; then
    check 1 "ServerB's sshd log shows a password exchange"
else
    say "      alice's password never reached ServerB: she proved who she is with her"
    say "      key, and no password or keyboard-interactive exchange took place."
fi
syslog_wait 'pam_s4u\(sshd:session\): delegated [0-9]+ of [0-9]+ targets for user=alice' 2>/dev/null
check $? "pam_s4u logged no delegation for alice"
show "ServerB syslog: " "$(syslog_line 'pam_s4u\(sshd:session\): delegated [0-9]+ of')"

# --- 3 ---------------------------------------------------------------------
step 3 "ServerB, inside alice's session: what the jump host stored for her"
scn_in alice 'printf "%s\n" "${KRB5CCNAME-}"'
ccname=$RUN_OUTPUT
show 'alice@serverb$ ' 'echo $KRB5CCNAME'
show '' "$ccname"
[[ $ccname =~ ^KEYRING:persistent:${SCN_UID[alice]}:s4u_[0-9a-f]{16}$ ]]
check $? "no delegated cache in alice's session"
scn_in alice klist
show 'alice@serverb$ ' klist
show '' "$RUN_OUTPUT"
scn_in alice "$scn_tickets"
[[ $RUN_OUTPUT == $'HTTP/serverc.example.test@EXAMPLE.TEST\nhost/serverc.example.test@EXAMPLE.TEST' ]]
if check $? "the cache does not hold exactly the two ServerC tickets"; then
    say "      Only ServerC service tickets, for alice: no TGT of hers, nothing for ServerB."
    say "      ServerB's helper got them with ServerB's own keytab: S4U2self (a ticket for"
    say "      alice to ServerB, kept in its memory), then S4U2proxy once per target."
fi

# --- 4 ---------------------------------------------------------------------
step 4 "ServerB -> ServerC over SSH (gssapi-with-mic): no password, no kinit"
scn_in alice 'ssh serverc "hostname; id"'
show 'alice@serverb$ ' 'ssh serverc "hostname; id"'
show '' "$RUN_OUTPUT"
[[ $RUN_STATUS -eq 0 && $RUN_OUTPUT == "serverc.example.test"$'\n'"uid=${SCN_UID[alice]}(alice) "* ]]
check $? "ssh serverc failed"
scn_wait_log "$SCN_C_LOG" '^Accepted gssapi-with-mic for alice ' 2>/dev/null
check $? "ServerC's sshd did not log a Kerberos login for alice"
show "ServerC sshd:   " "$(last_line "$SCN_C_LOG" '^Accepted gssapi-with-mic for alice ')"

# --- 5 ---------------------------------------------------------------------
step 5 "ServerB -> ServerC over HTTP (curl --negotiate)"
scn_in alice "$SCN_CURL"
show 'alice@serverb$ ' "curl --negotiate -u : http://serverc.example.test:$SCN_HTTP_PORT/"
show '' "$RUN_OUTPUT"
[[ $RUN_STATUS -eq 0 && $RUN_OUTPUT == "hello alice@EXAMPLE.TEST from serverc" ]]
check $? "curl --negotiate failed"
scn_wait_log "$SCN_HTTP_ACCESS" ' alice@EXAMPLE\.TEST "GET / ' 2>/dev/null
check $? "Apache did not log alice"
show "ServerC Apache: " "$(last_line "$SCN_HTTP_ACCESS" ' alice@EXAMPLE\.TEST ')"

# --- 6 ---------------------------------------------------------------------
step 6 "alice logs out of ServerB"
scn_close alice
show 'alice@serverb$ ' exit
syslog_wait "pam_s4u\\(sshd:session\\): removed $ccname for user=alice" 2>/dev/null
check $? "logout did not remove the delegated cache"
show "ServerB syslog: " "$(syslog_line "pam_s4u\\(sshd:session\\): removed ")"
if [[ -n $ccname ]] && as_user alice klist -s -c "$ccname" 2>/dev/null; then
    check 1 "$ccname is still in alice's keyring"
elif [[ -n $ccname ]]; then
    show 'alice@serverb$ ' "klist -c $ccname          (after logout, on ServerB)"
    show '' "$(as_user alice klist -c "$ccname" 2>&1)"
fi

# --- teardown -----------------------------------------------------------------
say ""
say "Tearing down..."
# Every daemon started, and the namespaces ServerC's run in.
pids="$SCN_B_PID $SCN_C_PID $SCN_HTTP_PID $SCN_C_SYSLOG_PID $REALM_KDC_PID $REALM_SLAPD_PID $NS_SYSLOG_PID"
serverc_ns=$(readlink "/proc/$SCN_C_PID/ns/mnt" "/proc/$SCN_HTTP_PID/ns/mnt" | sort -u)
trap - INT TERM EXIT
scn_stop
still=
for pid in $pids; do
    kill -0 "$pid" 2>/dev/null && still+=" $pid"
done
for ns in $serverc_ns $(readlink /proc/self/ns/mnt); do
    for p in /proc/[0-9]*; do
        [[ ${p#/proc/} == "$$" || ${p#/proc/} == "$BASHPID" ]] && continue
        [[ $(readlink "$p/ns/mnt" 2>/dev/null) == "$ns" ]] && still+=" ${p#/proc/}"
    done
done
if [[ -n $still ]]; then
    say "  !! FAILED: still running:$still"
    DEMO_FAILED=1
elif [[ ${S4U_KEEP:-} != 1 && -e $S4U_TEST_DIR ]]; then
    say "  !! FAILED: $S4U_TEST_DIR is still there"
    DEMO_FAILED=1
else
    say "  stopped ServerB's sshd, ServerC's sshd and Apache, the KDC and slapd, the"
    say "  syslog sinks; removed the temporary directory: nothing is left running."
fi

say ""
if [[ $DEMO_FAILED -eq 0 ]]; then
    say "RESULT: the double hop works: key login to ServerB, then SSH and HTTP to"
    say "ServerC with tickets the jump host delegated, and nothing left behind."
    exit 0
fi
say "RESULT: FAILED (see the !! lines above)"
exit 1
