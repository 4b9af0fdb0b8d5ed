#!/usr/bin/env bash
# The user's other caches are never touched: her own kinit in the same
# collection and other sessions survive logout, setcred DELETE and
# REINITIALIZE; REINITIALIZE and REFRESH renew the session's cache in place
# and never create one; a full keyring quota gives a clear message, a cache
# that holds what fits, and never leaves the user at her limit.
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

# --- REINITIALIZE and REFRESH: fresh tickets in the same cache ------------------
# s4u_caches: alice's pam_s4u caches in her collection, one name a line.
s4u_caches() {
    as_user alice env KRB5CCNAME=KEYRING:persistent:61001 klist -l 2>/dev/null |
        grep -o 'KEYRING:persistent:61001:s4u_[0-9a-f]*' | sort
}
# later BEFORE AFTER: every ticket in the ccdump AFTER is newer than BEFORE's.
later() {
    local old new
    old=$(grep -o 'authtime=[0-9]*' <<<"$1" | cut -d= -f2 | sort -n | tail -n 1)
    new=$(grep -o 'authtime=[0-9]*' <<<"$2" | cut -d= -f2 | sort -n | head -n 1)
    [[ -n $old && -n $new ]] && ((new > old))
}
dump="run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\""
s4u_login login alice establish env "$dump" "run:sleep 1.1" reinit env "$dump" delete
out=$RUN_OUTPUT
before=$(sed '/^reinit:/q' <<<"$out")
after=$(sed -n '/^reinit:/,$p' <<<"$out")
names=$(sed -n 's/^env: KRB5CCNAME=//p' <<<"$out")
old=$(head -n 1 <<<"$names")
like "$out" 'reinit: Success' "setcred REINITIALIZE succeeds"
like "$old" ':s4u_' "setcred ESTABLISH delegated into a cache of ours"
is "$(sed -n 2p <<<"$names")" "$old" "REINITIALIZE keeps the cache's name, so KRB5CCNAME stays valid"
is "$(grep -c '^cred ' <<<"$after")" 2 "the cache holds two tickets"
ok "fresh ones (a later authtime)" later "$before" "$after"
nok "DELETE afterwards removes it" s4u_dump alice "$old"
ok "her own kinit cache survives all of it" own_tgt

# A screen locker's handle: no cache of its own, the session's KRB5CCNAME.
s4u_login login alice open env
session=$(s4u_ccname)
before=$(s4u_dump alice "$session")
caches=$(s4u_caches)
sleep 1.1
syslog_clear
s4u_login login alice "putenv:KRB5CCNAME=$session" refresh env
like "$RUN_OUTPUT" 'refresh: Success' "setcred REFRESH in another handle of her session succeeds"
is "$(s4u_ccname)" "$session" "KRB5CCNAME still names the session's cache"
ok "which is refreshed" syslog_wait "delegated 2 of 2 targets for user=alice into $session"
after=$(s4u_dump alice "$session")
is "$(grep -c '^cred ' <<<"$after")" 2 "it holds two tickets after the handle ends"
ok "fresh ones (a later authtime)" later "$before" "$after"
is "$(s4u_caches)" "$caches" "no cache was created or removed"
s4u_login login alice "putenv:KRB5CCNAME=$session" refresh delete close
ok "DELETE and close in a handle that did not create it leave the session's cache" \
    s4u_dump alice "$session"
as_user alice kdestroy -q -c "$session"
syslog_clear
s4u_login login alice "putenv:KRB5CCNAME=$session" refresh
ok "a cache she removed is not refreshed" syslog_wait "\\[CACHE: $session: .*not found\\]"
is "$(s4u_caches)" "" "nor brought back"

# A handle with no cache of pam_s4u's in the session has nothing to renew.
s4u_login login alice open env
session=$(s4u_ccname)
caches=$(s4u_caches)
s4u_login login alice refresh reinit env
like "$RUN_OUTPUT" $'refresh: Success\nreinit: Success' \
    "REFRESH and REINITIALIZE in a handle with no cache succeed"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "and publish no cache"
is "$(s4u_caches)" "$caches" "and create none (her caches are the same before and after)"
s4u_login login alice "putenv:KRB5CCNAME=KEYRING:persistent:61001:own" refresh env
is "$(s4u_ccname)" KEYRING:persistent:61001:own "her own kinit's KRB5CCNAME is left alone"
is "$(s4u_caches)" "$caches" "and nothing is created for it"
ok "nor is her kinit cache touched" own_tgt
as_user alice kdestroy -q -c "$session"

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
