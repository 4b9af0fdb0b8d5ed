#!/usr/bin/env bash
# The collection's primary cache in the kernel keyring, on a host whose
# krb5.conf says default_ccache_name = KEYRING:persistent:%{uid} (and no
# ccache= option): programs that do not inherit KRB5CCNAME use the primary.
#   - a login with no usable primary makes its cache the primary;
#   - her own TGT cache, when primary, stays primary through open and close;
#   - logout never leaves the primary naming the destroyed cache: it moves to
#     another live cache of hers, or back to MIT's stock name;
#   - kinit (same user) inside the session puts her TGT into the session's
#     cache, which logout removes like any session cache, primary repaired;
#   - kinit otheruser inside the session is refused by MIT and leaves the
#     session's cache alone.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start
D=$S4U_TEST_DIR

ok "krb5.conf says default_ccache_name = KEYRING:persistent:%{uid}" \
    krb5conf_default_ccache 'KEYRING:persistent:%{uid}'
s4u_pam_service login "targets=$S4U_TARGETS" debug
realm_ktadd alice "$D/alice.keytab" >/dev/null && chown alice "$D/alice.keytab"
realm_ktadd bob "$D/bob.keytab" >/dev/null && chown alice "$D/bob.keytab"
coll=KEYRING:persistent:61001
run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/login" status
like "$RUN_OUTPUT" 'cache type: +KEYRING, the host.s default .* = "KEYRING:persistent:%\{uid\}"' \
    "s4uctl status: the keyring, chosen by default_ccache_name"
like "$RUN_OUTPUT" 'Kernel keyring quotas' "with the keyring headroom"
unlike "$RUN_OUTPUT" "sssd-kcm's limits" "and no KCM limits"

# plain_klist: klist as alice outside any session (no KRB5CCNAME).
plain_klist() {
    as_user alice klist 2>&1
}
# primary: the name of alice's primary cache (klist's "Ticket cache:" line).
primary() {
    plain_klist | sed -n 's/^Ticket cache: //p; s/^klist: Credentials cache keyring .\([^ ]*\). not found$/KEYRING:\1/p'
}

# --- no other cache: the login's cache becomes the primary --------------------
s4u_clean_user alice
s4u_login login alice open env "run:env -u KRB5CCNAME klist"
cc=$(s4u_ccname)
like "$cc" "^$coll:s4u_[0-9a-f]{16}\$" "without ccache= the login follows default_ccache_name"
like "$RUN_OUTPUT" "Ticket cache: $cc" "in the session a klist without KRB5CCNAME shows the login's cache"
like "$RUN_OUTPUT" 'host/serverc.example.test@EXAMPLE.TEST' "and its tickets"
is "$(primary)" "$cc" "outside the session too (a cron job, a systemd --user service)"
s4u_login login alice "putenv:KRB5CCNAME=$cc" open env close
second=$(s4u_ccname)
is "$(primary)" "$cc" "a second login, opened and closed meanwhile, leaves that primary alone"
nok "and removed its own cache" s4u_dump alice "$second"
as_user alice kdestroy -q -c "$cc"

# --- logout of the primary: no dangling primary ----------------------------------
s4u_clean_user alice
s4u_login login alice open env close
cc=$(s4u_ccname)
unlike "$(plain_klist)" "s4u_" "after logout the primary names no destroyed cache of ours"
is "$(primary)" "$coll:tkt" "it is back at MIT's stock name"
run as_user alice kinit -k -t "$D/alice.keytab" alice
is "$RUN_STATUS" 0 "her next kinit works"
is "$(primary)" "$coll:tkt" "and goes to a cache of her own, not one named like ours"

# --- her own TGT, primary: stays primary through open and close --------------------
like "$(plain_klist)" 'krbtgt/EXAMPLE.TEST@EXAMPLE.TEST' "her kinit cache is the primary"
s4u_login login alice open env "run:env -u KRB5CCNAME klist" close
out=$RUN_OUTPUT
cc=$(s4u_ccname)
like "$cc" "^$coll:s4u_" "the login still gets a cache of its own"
like "$out" "Ticket cache: $coll:tkt" "during the session her kinit stays the primary"
is "$(primary)" "$coll:tkt" "and after logout"
like "$(plain_klist)" 'krbtgt/EXAMPLE.TEST@EXAMPLE.TEST' "still holding her TGT"

# --- an expired primary is replaced --------------------------------------------------
s4u_clean_user alice
run as_user alice kinit -l 2s -k -t "$D/alice.keytab" alice
is "$RUN_STATUS" 0 "alice gets a TGT that lives two seconds"
sleep 3
s4u_login login alice open env
cc=$(s4u_ccname)
is "$(primary)" "$cc" "once it has expired the login's cache becomes the primary"
as_user alice kdestroy -q -c "$cc"

# --- kinit inside the session --------------------------------------------------------
s4u_clean_user alice
own=$coll:own
ok "alice keeps a TGT of her own in a named cache" \
    as_user alice kinit -k -t "$D/alice.keytab" -c "$own" alice
s4u_login login alice open env \
    "run:kinit -k -t $D/alice.keytab alice && echo KINIT-SAME-OK" \
    "run:klist; env -u KRB5CCNAME klist" \
    "run:kinit -k -t $D/bob.keytab bob 2>&1; echo KINIT-OTHER=\$?" \
    "run:klist" close
out=$RUN_OUTPUT
cc=$(s4u_ccname)
like "$out" 'KINIT-SAME-OK' "kinit (same user) inside the session succeeds"
like "$out" "Ticket cache: $cc"$'\n'"Default principal: alice@EXAMPLE.TEST" \
    "it goes into the session's cache, which KRB5CCNAME still names"
like "$out" 'krbtgt/EXAMPLE.TEST@EXAMPLE.TEST' "which now holds her TGT"
like "$out" 'KINIT-OTHER=1' "kinit otheruser inside the session fails"
like "$out" 'default cache is already a subsidiary' "with MIT's message"
unlike "$out" 'Default principal: bob' "the session's cache never holds bob's tickets"
nok "logout removes the session's cache, her TGT in it included" s4u_dump alice "$cc"
like "$(as_user alice klist -c "$own" 2>&1)" 'krbtgt/EXAMPLE.TEST@EXAMPLE.TEST' \
    "her own cache outside the session keeps its TGT"
is "$(primary)" "$own" "the primary moved from the destroyed cache to her live one"

# --- the same, with no other live cache ----------------------------------------------
s4u_clean_user alice
s4u_login login alice open env "run:kinit -k -t $D/alice.keytab alice" close
unlike "$(plain_klist)" 's4u_' "kinit then logout with no other cache: no dangling primary"
is "$(primary)" "$coll:tkt" "the primary is MIT's stock name again"
s4u_clean_user alice

# --- a DIR: collection, the same rules -------------------------------------------------
dir=$D/home/alice/krb5cc
ok "krb5.conf says default_ccache_name = DIR:<home>/krb5cc" \
    krb5conf_default_ccache "DIR:$D/home/%{username}/krb5cc"
s4u_login login alice open env "run:env -u KRB5CCNAME klist" close
out=$RUN_OUTPUT
cc=$(s4u_ccname)
like "$cc" "^DIR::$dir/tkt_s4u_[0-9a-f]{16}\$" "the login's cache is a new file in her DIR: collection"
like "$out" "Ticket cache: DIR::$dir/tkt_s4u_" "it is the primary during the session"
is "$(stat -c %U "$dir")" alice "the directory was made by alice"
nok "logout removes it" test -e "${cc#DIR::}"
like "$(as_user alice klist 2>&1)" "$dir/tkt\\b" "and the primary is MIT's stock tkt again"
unlike "$(as_user alice klist 2>&1)" 's4u_' "never the destroyed cache"

done_testing
