#!/usr/bin/env bash
# The user's other caches are never touched: her own kinit in the same
# collection and other sessions survive logout, setcred DELETE and
# REINITIALIZE; a full keyring quota gives a clear message, a cache that
# holds what fits, and never leaves the user at her limit.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start
D=$S4U_TEST_DIR
s4u_pam_service login "targets=$S4U_TARGETS"

realm_ktadd alice "$D/alice.keytab" >/dev/null && chown alice "$D/alice.keytab"
own=KEYRING:persistent:61001:own
ok "alice runs kinit herself into her collection" \
    as_user alice kinit -k -t "$D/alice.keytab" -c "$own" alice
own_tgt() { as_user alice klist -c "$own" | grep -q 'krbtgt/EXAMPLE.TEST@EXAMPLE.TEST'; }

# --- session close leaves her kinit alone -----------------------------------
s4u_login login alice open env close
cc=$(s4u_ccname)
like "$cc" ':s4u_' "a session delegates into its own cache"
nok "close removes the session's cache" s4u_dump alice "$cc"
ok "her own kinit cache still holds her TGT after close" own_tgt

# --- setcred DELETE does the same ----------------------------------------------
s4u_login login alice establish env delete env
cc=$(s4u_ccname)
like "$cc" ':s4u_' "setcred ESTABLISH delegates"
is "$(grep -c '^env: KRB5CCNAME=' <<<"$RUN_OUTPUT")" 1 "setcred DELETE unsets KRB5CCNAME"
like "$RUN_OUTPUT" 'delete: Success' "setcred DELETE succeeds"
nok "setcred DELETE removes the cache" s4u_dump alice "$cc"
ok "her own kinit cache survives DELETE" own_tgt

# --- two sessions: closing one leaves the other --------------------------------
s4u_login login alice open env
first=$(s4u_ccname)
s4u_login login alice open env close
second=$(s4u_ccname)
isnt_same() { [[ $first != "$second" ]]; }
ok "two sessions get two caches" isnt_same
ok "closing the second session leaves the first session's cache" s4u_dump alice "$first"
nok "and removes its own" s4u_dump alice "$second"
as_user alice kdestroy -q -c "$first"

# --- REINITIALIZE: fresh tickets in a new cache, then the old one goes ---------
s4u_login login alice establish env reinit env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" delete
out=$RUN_OUTPUT
names=$(sed -n 's/^env: KRB5CCNAME=//p' <<<"$out")
old=$(head -n 1 <<<"$names")
new=$(sed -n 2p <<<"$names")
like "$out" 'reinit: Success' "setcred REINITIALIZE succeeds"
like "$new" ':s4u_' "REINITIALIZE publishes a new cache"
isnt_same() { [[ $old != "$new" ]]; }
ok "and it is not the old one" isnt_same
is "$(grep -c '^cred ' <<<"$out")" 2 "the new cache holds fresh tickets"
nok "the old cache is gone" s4u_dump alice "$old"
nok "DELETE afterwards removes the new one" s4u_dump alice "$new"
ok "her own kinit cache survives all of it" own_tgt

# --- the keyring quota ----------------------------------------------------------
# quota_free: bytes left in alice's keyring quota (from /proc/key-users).
quota_free() {
    awk '$1 == "61001:" { split($5, b, "/"); print b[2] - b[1] }' /proc/key-users
}
# fill_to BYTES: add junk keys to alice's user keyring until BYTES are free.
fill_to() {
    local want=$1 n=0 free size
    while :; do
        free=$(quota_free)
        ((free > want)) || break
        size=$((free - want - 16))
        ((size > 1500)) && size=1500
        ((size > 0)) || break
        n=$((n + 1))
        ((n < 100)) || return 1
        head -c "$size" /dev/zero | as_user alice keyctl padd user "junk$n" @u >/dev/null || return 1
    done
}
as_user alice kdestroy -q -c "$own"
s4u_clean_user alice
ok "alice's quota is filled so that one ticket fits but not two" fill_to 4300
syslog_clear
s4u_login login alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\""
out=$RUN_OUTPUT
like "$out" 'open: Success' "a nearly full quota does not block the login"
is "$(grep -c '^cred ' <<<"$out")" 1 "the cache holds the ticket that fits"
ok "the log says which target was left out and how to fix it" syslog_wait \
    'delegation to cifs/serverc.example.test failed for user=alice: the user.s kernel keyring quota has no room .*\[QUOTA: .*kernel.keys.maxbytes'
ok "the summary says 1 of 2" syslog_wait 'delegated 1 of 2 targets for user=alice'
free=$(quota_free)
ok "alice keeps at least 2 KiB of quota (she can still klist and kdestroy)" test "$free" -ge 2048
cc=$(sed -n 's/^env: KRB5CCNAME=//p' <<<"$out")
ok "alice can read the cache" s4u_dump alice "$cc"
ok "alice can remove it herself" as_user alice kdestroy -q -c "$cc"

ok "alice's quota is filled so that nothing fits" fill_to 1500
syslog_clear
s4u_login login alice open env
like "$RUN_OUTPUT" 'open: Success' "a full quota does not block the login"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "and no cache is published"
ok "the log says no ticket fits" syslog_wait 'no ticket fits in uid 61001.s keyring quota'
s4u_clean_user alice

done_testing
