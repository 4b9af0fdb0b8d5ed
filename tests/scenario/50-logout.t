#!/usr/bin/env bash
# Scenario 5: logout removes the delegated tickets, and only the closing
# session's: with two sessions of alice's open, closing one leaves the other
# working.  A dropped connection counts as a logout too.
# Commands for ServerB are single-quoted: they expand there, not here.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=tests/scenario/lib.sh
. "$(dirname "$0")/lib.sh"
ns_reexec "$@"
scn_start

# scn_caches looks for this test's own caches only: the kernel's keyrings
# are shared by every test run on the machine, and another one may have
# sessions of alice's open.

scn_open one alice
is "$RUN_STATUS" 0 "session one opens"
scn_in one 'printf "%s\n" "$KRB5CCNAME"'
cc1=$RUN_OUTPUT
scn_open two alice
is "$RUN_STATUS" 0 "session two opens (ControlMaster off: a second connection)"
scn_in two 'printf "%s\n" "$KRB5CCNAME"'
cc2=$RUN_OUTPUT
like "$cc1" "^$(scn_cc alice)s4u_[0-9a-f]{16}\$" "session one has a cache ($SCN_CACHE)"
like "$cc2" "^$(scn_cc alice)s4u_[0-9a-f]{16}\$" "session two has a cache"
if [[ $cc1 != "$cc2" ]]; then pass "each session has its own"; else fail "each session has its own" "$cc1 = $cc2"; fi
is "$(scn_caches alice "$cc1" "$cc2")" "$(printf '%s\n' "$cc1" "$cc2")" "alice's collection holds both"
ok "the $SCN_CACHE store holds session one's cache for alice" scn_stored alice "$cc1"
ok "and session two's" scn_stored alice "$cc2"
scn_in two 'ssh serverc id -un'
is "$RUN_STATUS:$RUN_OUTPUT" "0:alice" "ssh serverc works in session two"

scn_close two
ok "closing session two removes its cache" syslog_wait \
    "pam_s4u\\(sshd:session\\): removed $cc2 for user=alice"
nok "session two's cache is gone" s4u_dump alice "$cc2"
is "$(scn_caches alice "$cc1" "$cc2")" "$cc1" "session one's cache is still there"
scn_in one 'klist -s'
is "$RUN_STATUS" 0 "session one still has valid tickets"
scn_in one 'ssh serverc id -un'
is "$RUN_STATUS:$RUN_OUTPUT" "0:alice" "ssh serverc still works in session one"
scn_in one "$SCN_CURL"
is "$RUN_STATUS:$RUN_OUTPUT" "0:hello alice@EXAMPLE.TEST from serverc" "and so does the web service"

scn_close one
ok "closing session one removes its cache" syslog_wait \
    "pam_s4u\\(sshd:session\\): removed $cc1 for user=alice"
is "$(scn_caches alice "$cc1" "$cc2")" "" "neither cache is left in alice's collection"
nok "nor is session one's in the $SCN_CACHE store" scn_stored alice "$cc1"
nok "nor session two's" scn_stored alice "$cc2"

# A connection that drops (the client is killed) is a logout as well.
scn_open three alice
scn_in three 'printf "%s\n" "$KRB5CCNAME"'
cc3=$RUN_OUTPUT
like "$cc3" "^$(scn_cc alice)s4u_" "session three has a cache"
scn_drop three
ok "when its connection drops, ServerB removes the cache" syslog_wait \
    "pam_s4u\\(sshd:session\\): removed $cc3 for user=alice"
is "$(scn_caches alice "$cc3")" "" "its cache is gone"
nok "from the $SCN_CACHE store too" scn_stored alice "$cc3"

done_testing
