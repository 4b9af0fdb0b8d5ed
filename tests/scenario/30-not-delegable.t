#!/usr/bin/env bash
# Scenario 3: carol's principal is marked not delegable at the KDC
# (-allow_forwardable in s4u.sh's world).  She still logs in to the jump
# host; she gets no tickets, so her ssh serverc fails; ServerB's log says
# why, and what to change, in one line.
# Commands for ServerB are single-quoted: they expand there, not here.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=tests/scenario/lib.sh
. "$(dirname "$0")/lib.sh"
ns_reexec "$@"
scn_start

scn_open s carol
is "$RUN_STATUS" 0 "carol logs in to ServerB with her key"
ok "ServerB's sshd accepted her" scn_wait_log "$SCN_B_LOG" \
    '^Accepted publickey for carol from 127\.0\.0\.2 port [0-9]+ '
scn_in s 'printf "%s\n" "${KRB5CCNAME-none}"'
is "$RUN_OUTPUT" none "her session has no KRB5CCNAME"

scn_in s 'ssh serverc id'
scn_refused "her ssh serverc fails"
like "$RUN_OUTPUT" 'Permission denied \(gssapi-with-mic\)' "ssh says ServerC wanted Kerberos"
scn_in s "$SCN_CURL"
is "$RUN_STATUS" 22 "the web service refuses her too (401)"
unlike "$(scn_log "$SCN_C_LOG")" 'Accepted .* for carol' "ServerC never let her in"
run as_user carol KRB5CCNAME="$(scn_collection carol)" klist -l
unlike "$RUN_OUTPUT" 's4u_' "no cache of pam_s4u's in her $SCN_CACHE collection"

# The line an admin reads: user, target, reason, identifier, the fix.
ok "ServerB's log says why in one line" syslog_wait \
    'pam_s4u\(sshd:session\): delegation to host/serverc\.example\.test failed for user=carol: the user is marked as not delegable, so her evidence ticket is not forwardable.*\[USER_NOT_DELEGABLE: .*\].*allow_forwardable'
ok "and sums up: nothing delegated" syslog_wait \
    'pam_s4u\(sshd:session\): delegated 0 of 2 targets for user=carol$'
scn_close s

# The same jump host still works for a delegable user: the refusal is carol's.
scn_ssh alice 'ssh serverc id -un'
is "$RUN_STATUS:$RUN_OUTPUT" "0:alice" "alice's double hop works on the same jump host"

done_testing
