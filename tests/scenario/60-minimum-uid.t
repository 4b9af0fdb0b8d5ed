#!/usr/bin/env bash
# Scenario 6: root and users below minimum_uid log in normally, but nobody
# impersonates them: no KDC request, no cache, a log line saying why.
# Commands for ServerB are single-quoted: they expand there, not here.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=tests/scenario/lib.sh
. "$(dirname "$0")/lib.sh"
ns_reexec "$@"
scn_start

# bob's uid is alice's plus one: put the line between them.
min=${SCN_UID[bob]}
ok "ServerB's pam_s4u line gets minimum_uid=$min (bob's uid)" scn_serverb_pam "minimum_uid=$min"
kdc_log=$REALM_DIR/kdc.log

# --- root ----------------------------------------------------------------------
kdc_before=$(wc -l <"$kdc_log")
scn_ssh root 'id -u; printf "%s\n" "${KRB5CCNAME-none}"'
is "$RUN_STATUS:$RUN_OUTPUT" $'0:0\nnone' "root logs in with his key and gets no cache"
ok "ServerB's log: root is never impersonated" syslog_wait \
    "pam_s4u\\(sshd:session\\): not delegating for user=root: uid 0 is below minimum_uid=$min"
is "$(wc -l <"$kdc_log")" "$kdc_before" "the KDC was not asked anything"

# --- a user below minimum_uid ------------------------------------------------------
kdc_before=$(wc -l <"$kdc_log")
scn_ssh alice 'printf "%s\n" "${KRB5CCNAME-none}"'
is "$RUN_STATUS:$RUN_OUTPUT" "0:none" "alice (uid ${SCN_UID[alice]}) logs in and gets no cache"
ok "ServerB's log: below minimum_uid" syslog_wait \
    "pam_s4u\\(sshd:session\\): not delegating for user=alice: uid ${SCN_UID[alice]} is below minimum_uid=$min"
is "$(wc -l <"$kdc_log")" "$kdc_before" "the KDC was not asked anything"
scn_ssh alice 'ssh serverc true'
scn_refused "her ssh serverc fails"

# --- at minimum_uid -------------------------------------------------------------------
scn_ssh bob 'printf "%s\n" "${KRB5CCNAME-none}"; ssh serverc id -un'
like "$RUN_OUTPUT" "^$(scn_cc bob)s4u_[0-9a-f]{16}"$'\nbob$' \
    "bob (uid $min) is delegated and reaches ServerC"
ok "ServerB's log: bob delegated" syslog_wait \
    "pam_s4u\\(sshd:session\\): delegated 2 of 2 targets for user=bob into $(scn_cc bob)s4u_"

done_testing
