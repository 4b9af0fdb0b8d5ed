#!/usr/bin/env bash
# Scenario 2: the same double hop after a password login: ServerB's PAM
# checks alice's local password through keyboard-interactive (typed by
# sshpass), and pam_s4u delegates exactly as after a key login.
# Commands for ServerB are single-quoted: they expand there, not here.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=tests/scenario/lib.sh
. "$(dirname "$0")/lib.sh"
ns_reexec "$@"
scn_start

# --- the password is really checked --------------------------------------------
scn_ssh_password alice not-her-password true
scn_refused "a wrong password is refused"
ok "ServerB's sshd logged the failure" scn_wait_log "$SCN_B_LOG" \
    '^Failed keyboard-interactive/pam for alice from 127\.0\.0\.2 '
ok "PAM (pam_unix) rejected it" syslog_wait 'pam_unix\(sshd:auth\): authentication failure;.* user=alice'
unlike "$(syslog_grep 'pam_s4u' || true)" 'user=alice' "pam_s4u does nothing for a failed login"

# --- ServerA -> ServerB, by password --------------------------------------------
scn_open s alice alice-local-pw
is "$RUN_STATUS" 0 "alice logs in to ServerB with her local password"
ok "ServerB's sshd accepted it through PAM" scn_wait_log "$SCN_B_LOG" \
    '^Accepted keyboard-interactive/pam for alice from 127\.0\.0\.2 port [0-9]+ ssh2$'
scn_in s 'printf "%s\n" "${KRB5CCNAME-}"'
ccname=$RUN_OUTPUT
like "$ccname" "^$(scn_cc alice)s4u_[0-9a-f]{16}\$" "the session has a delegated cache ($SCN_CACHE)"
ok "ServerB's log: two of two targets delegated" syslog_wait \
    "pam_s4u\\(sshd:session\\): delegated 2 of 2 targets for user=alice into $ccname\$"
scn_in s "$scn_tickets"
is "$RUN_OUTPUT" $'HTTP/serverc.example.test@EXAMPLE.TEST\nhost/serverc.example.test@EXAMPLE.TEST' \
    "klist lists exactly the two ServerC service tickets"
scn_in s klist
unlike "$RUN_OUTPUT" 'krbtgt|serverb' "no TGT, nothing for the jump host"

# --- onward ----------------------------------------------------------------
scn_in s 'ssh serverc id -un'
is "$RUN_STATUS:$RUN_OUTPUT" "0:alice" "ssh serverc succeeds as alice, with no second password"
ok "ServerC accepted it by gssapi-with-mic" scn_wait_log "$SCN_C_LOG" \
    '^Accepted gssapi-with-mic for alice from 127\.0\.0\.3 port [0-9]+ ssh2: alice@EXAMPLE\.TEST$'
scn_in s "$SCN_CURL"
is "$RUN_STATUS:$RUN_OUTPUT" "0:hello alice@EXAMPLE.TEST from serverc" "curl --negotiate is served as alice"

scn_close s
ok "logout removes the cache" syslog_wait "pam_s4u\\(sshd:session\\): removed $ccname for user=alice"

done_testing
