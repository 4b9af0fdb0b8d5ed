#!/usr/bin/env bash
# Scenario 1: alice, who has no Kerberos at all on her workstation (ServerA),
# logs in to the jump host (ServerB) with an SSH key.  In that session she
# reaches ServerC over SSH (gssapi-with-mic) and over HTTP (Negotiate) with
# no password and no kinit, and her cache holds only ServerC tickets.
# Commands for ServerB are single-quoted: they expand there, not here.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=tests/scenario/lib.sh
. "$(dirname "$0")/lib.sh"
ns_reexec "$@"
scn_start

# --- ServerA --------------------------------------------------------------
scn_on_a alice klist
scn_refused "ServerA: alice has no Kerberos credentials"

# --- ServerA -> ServerB, by key -----------------------------------------------
scn_open s alice
is "$RUN_STATUS" 0 "alice logs in to ServerB with her SSH key"
ok "ServerB's sshd accepted her key, from ServerA" scn_wait_log "$SCN_B_LOG" \
    '^Accepted publickey for alice from 127\.0\.0\.2 port [0-9]+ ssh2: ED25519 '
unlike "$(scn_log "$SCN_B_LOG")" 'keyboard-interactive|password' \
    "no password was asked for or sent to ServerB"

scn_in s 'printf "%s\n" "${KRB5CCNAME-}"'
ccname=$RUN_OUTPUT
like "$ccname" "^$(scn_cc alice)s4u_[0-9a-f]{16}\$" \
    "the session's KRB5CCNAME names a new cache in alice's $SCN_CACHE collection"
ok "ServerB's log: two of two targets delegated into that cache" syslog_wait \
    "pam_s4u\\(sshd:session\\): delegated 2 of 2 targets for user=alice into $ccname\$"
ok "ServerB's debug log says which rule chose the cache type" syslog_wait \
    "pam_s4u\\(sshd:session\\): $(scn_cache_rule)"
ok "the $SCN_CACHE store holds it under alice's uid" scn_stored alice "$ccname"
scn_in s "$(scn_primary alice)"
is "$RUN_OUTPUT" "Ticket cache: $ccname" \
    "it is her collection's primary (she had none): programs without KRB5CCNAME see it"
run as_user bob KRB5CCNAME="$(scn_collection bob)" klist -l
unlike "$RUN_OUTPUT" 's4u_' "bob's collection does not show it"
nok "nor does the store under bob's uid" scn_stored bob "$ccname"

# --- what the jump host stored for her ------------------------------------------
scn_in s "$scn_tickets"
is "$RUN_OUTPUT" $'HTTP/serverc.example.test@EXAMPLE.TEST\nhost/serverc.example.test@EXAMPLE.TEST' \
    "klist on ServerB lists exactly the two ServerC service tickets"
scn_in s klist
like "$RUN_OUTPUT" $'Default principal: alice@EXAMPLE.TEST\n' "the cache's principal is alice"
unlike "$RUN_OUTPUT" 'krbtgt' "no ticket-granting ticket"
unlike "$RUN_OUTPUT" 'serverb' "nothing for the jump host itself"
scn_in s "$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\""
creds=$(grep '^cred ' <<<"$RUN_OUTPUT")
is "$(grep -c . <<<"$creds")" 2 "the cache holds two entries, both tickets"
is "$(grep -vc ' client=alice@EXAMPLE.TEST ' <<<"$creds")" 0 "both tickets are alice's"
unlike "$creds" 'config=1|tgt=1' "no config entry, no TGT"

# --- ServerB -> ServerC over SSH -------------------------------------------------
scn_in s 'ssh serverc "hostname; id -un"'
is "$RUN_STATUS" 0 "ssh serverc succeeds with no password and no kinit"
is "$RUN_OUTPUT" $'serverc.example.test\nalice' "the command ran on ServerC as alice"
ok "ServerC's sshd accepted alice's delegated ticket, from ServerB" scn_wait_log "$SCN_C_LOG" \
    '^Accepted gssapi-with-mic for alice from 127\.0\.0\.3 port [0-9]+ ssh2: alice@EXAMPLE\.TEST$'

# --- ServerB -> ServerC over HTTP ------------------------------------------------
scn_in s "$SCN_CURL"
is "$RUN_STATUS" 0 "curl --negotiate succeeds"
is "$RUN_OUTPUT" "hello alice@EXAMPLE.TEST from serverc" "the web service sees alice"
ok "ServerC's access log shows alice, from ServerB" scn_wait_log "$SCN_HTTP_ACCESS" \
    '^127\.0\.0\.3 alice@EXAMPLE\.TEST "GET / HTTP/1\.1" 200$'

# --- the onward hops really rest on those tickets ---------------------------------
scn_in s 'KRB5CCNAME=FILE:/nonexistent/cache ssh serverc true'
scn_refused "without the delegated cache ssh serverc is refused"
scn_in s "KRB5CCNAME=FILE:/nonexistent/cache $SCN_CURL"
is "$RUN_STATUS" 22 "without it the web service answers 401 (curl -f exits 22)"

scn_close s
ok "logout removes the cache" syslog_wait \
    "pam_s4u\\(sshd:session\\): removed $ccname for user=alice"
is "$(scn_caches alice "$ccname")" "" "it is gone from alice's collection"
nok "and from the $SCN_CACHE store" scn_stored alice "$ccname"

done_testing
