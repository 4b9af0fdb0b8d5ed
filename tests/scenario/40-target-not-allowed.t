#!/usr/bin/env bash
# Scenario 4: the KDC does not allow the jump host to delegate to one of its
# targets (HTTP/serverc).  The other target still works; ServerB's log names
# the missing KDC permission; once the admin adds it, the next login has both.
# Commands for ServerB are single-quoted: they expand there, not here.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=tests/scenario/lib.sh
. "$(dirname "$0")/lib.sh"
ns_reexec "$@"
scn_start

ok "the KDC admin removes HTTP/serverc from the jump host's delegation list" \
    realm_disallow_delegation "$S4U_HOST" HTTP/serverc.example.test@EXAMPLE.TEST

scn_open s alice
is "$RUN_STATUS" 0 "alice logs in to ServerB"
scn_in s "$scn_tickets"
is "$RUN_OUTPUT" "host/serverc.example.test@EXAMPLE.TEST" "her cache holds only the allowed target"
scn_in s 'ssh serverc id -un'
is "$RUN_STATUS:$RUN_OUTPUT" "0:alice" "ssh serverc still works"
scn_in s "$SCN_CURL"
is "$RUN_STATUS" 22 "the web service refuses her (401): no ticket for it"
ok "ServerB's log names the target and the missing KDC permission" syslog_wait \
    'pam_s4u\(sshd:session\): delegation to HTTP/serverc\.example\.test failed for user=alice: the KDC does not allow the jump host to delegate to this target \[TARGET_NOT_ALLOWED: .*\]; fix: .*krbAllowedToDelegateTo'
ok "and sums up: one of two" syslog_wait \
    "pam_s4u\\(sshd:session\\): delegated 1 of 2 targets for user=alice into $(scn_cc alice)s4u_"
scn_close s

# The fix the log gave.
ok "the admin adds krbAllowedToDelegateTo: HTTP/serverc" \
    realm_allow_delegation "$S4U_HOST" HTTP/serverc.example.test@EXAMPLE.TEST
scn_ssh alice "$scn_tickets; $SCN_CURL"
is "$RUN_STATUS" 0 "at the next login both hops work"
is "$RUN_OUTPUT" $'HTTP/serverc.example.test@EXAMPLE.TEST\nhost/serverc.example.test@EXAMPLE.TEST\nhello alice@EXAMPLE.TEST from serverc' \
    "with both tickets"

done_testing
