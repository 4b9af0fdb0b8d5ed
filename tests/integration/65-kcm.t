#!/usr/bin/env bash
# KCM, as Fedora, RHEL and SSSD hosts have it: a real sssd-kcm (Debian's
# package) and krb5.conf default_ccache_name = KCM:, with no ccache= option.
# A login stores the delegated tickets in a new KCM cache of the user's,
# created while the helper runs as her (sssd-kcm gives a cache to the uid
# that connects); another user cannot see it; a GSSAPI client uses it; the
# cache becomes the primary only when she has no usable one; logout
# removes exactly that cache and leaves no primary naming it.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start

ok "sssd-kcm starts in the test's namespace" kcm_start
ok "krb5.conf says default_ccache_name = KCM:" kcm_krb5conf
s4u_pam_service login "targets=$S4U_TARGETS" debug

run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/login" status
like "$RUN_OUTPUT" 'cache type: +KCM, the host.s default \(krb5.conf default_ccache_name\) = "KCM:"' \
    "s4uctl status says the cache type and which rule chose it"
like "$RUN_OUTPUT" "sssd-kcm's limits, sssd's defaults \\(sssd\\.conf \\[kcm\\] max_uid_ccaches and max_ccache_size change them\\)" \
    "and sssd-kcm's limits, as sssd's defaults, with the sssd.conf options"
like "$RUN_OUTPUT" '64 caches per uid: each open session takes one' "64 caches per uid"
like "$RUN_OUTPUT" '65536 bytes per cache' "64 KiB per cache"
run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/login" --json status
is "$(jq -r '.configuration.cache_type | "\(.kind) \(.collection) \(.default_ccache_name)"' <<<"$RUN_OUTPUT")" \
    "KCM KCM: KCM:" "and so does its JSON"
is "$(jq -r '.configuration.cache_type.kcm_limits | "\(.max_uid_ccaches) \(.max_ccache_size)"' <<<"$RUN_OUTPUT")" \
    "64 65536" "and sssd-kcm's limits"

# kcm_list USER: the KCM caches USER sees (klist -l), one name a line.
kcm_list() {
    as_user "$1" KRB5CCNAME=KCM: klist -l 2>/dev/null | awk 'NR > 2 { print $2 }' | sort
}

# --- a login: a new cache in her KCM collection ------------------------------
ok "a GSSAPI service for serverc is up" s4u_start_gss_server
s4u_login login alice open env \
    "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" \
    "run:gss-client -port $S4U_GSS_PORT serverc.example.test host@serverc.example.test hello"
out=$RUN_OUTPUT
cc=$(s4u_ccname)
like "$out" $'(^|\n)open: Success' "the session opens"
like "$cc" '^KCM:61001:s4u_[0-9a-f]{16}$' "KRB5CCNAME names a new KCM cache of uid 61001"
creds=$(grep '^cred ' <<<"$out" | sort -u)
is "$(grep -c . <<<"$creds")" 2 "the cache holds exactly two tickets"
is "$(grep -vc 'client=alice@EXAMPLE.TEST ' <<<"$creds")" 0 "every ticket's client is alice"
unlike "$creds" 'tgt=1|server=krbtgt|server=host/serverb|config=1' "no TGT, evidence or config entry"
like "$out" 'Signature verified' "gss-client authenticates to serverc from the KCM cache"
wait "$S4U_GSS_PID"
S4U_GSS_PID=
like "$(cat "$S4U_TEST_DIR/gss-server.out")" 'alice@EXAMPLE.TEST' "serverc sees alice as the client"
ok "the summary names the KCM cache" syslog_wait \
    "delegated 2 of 2 targets for user=alice into $cc\$"

# --- only hers -----------------------------------------------------------------
like "$(kcm_list alice)" "^$cc\$" "alice's KCM collection lists the cache"
unlike "$(kcm_list bob)" 's4u_' "bob's KCM collection does not"
run as_user bob KRB5CCNAME="$cc" klist
ok "bob cannot klist alice's cache by its name" test "$RUN_STATUS" -ne 0
unlike "$RUN_OUTPUT" 'serverc' "and sees none of its tickets"
nok "nor can root's own KCM collection reach it" sh -c "KRB5CCNAME='$cc' klist -s"

run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/login" list alice
like "$RUN_OUTPUT" "$cc" "s4uctl list (as root, reading as alice) shows the KCM cache"
like "$RUN_OUTPUT" 'host/serverc.example.test' "with its tickets"
run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/login" list bob
unlike "$RUN_OUTPUT" 's4u_' "and none for bob"

# --- the primary: she had none, so the login's cache is it ---------------------
run as_user alice klist
like "$RUN_OUTPUT" "Ticket cache: $cc" "a plain klist (no KRB5CCNAME) shows the login's cache"
like "$RUN_OUTPUT" 'host/serverc.example.test@EXAMPLE.TEST' "with its tickets"

# --- close removes exactly this login's cache ----------------------------------
s4u_login login alice open env "run:env -u KRB5CCNAME klist" close
second=$(s4u_ccname)
out=$RUN_OUTPUT
like "$second" '^KCM:61001:s4u_' "a second login gets a cache of its own"
like "$out" "Ticket cache: $cc" "the first login's cache stays the primary during it"
like "$(kcm_list alice)" "^$cc\$" "its close removes its own cache and leaves the first"
run as_user alice klist
like "$RUN_OUTPUT" "Ticket cache: $cc" "the first stays the primary"

# --- logout of the primary: the primary never names the destroyed cache -----------
# kcm_primary: the name of alice's primary KCM cache, as klist reports it.
kcm_primary() {
    as_user alice klist 2>&1 | sed -n "s/^Ticket cache: //p; s/^klist: .*cache '\([^']*\)'.*/\1/p"
}
as_user alice kdestroy -q -c "$cc"
s4u_login login alice open env close
gone=$(s4u_ccname)
isnt_gone() { [[ $(kcm_primary) != "$gone" ]]; }
ok "after the logout of her only session the primary is not its cache" isnt_gone
unlike "$(kcm_list alice)" 's4u_' "and no cache of ours is left"

# --- kinit inside the session ------------------------------------------------------
D=$S4U_TEST_DIR
realm_ktadd alice "$D/alice.keytab" >/dev/null && chown alice "$D/alice.keytab"
realm_ktadd bob "$D/bob.keytab" >/dev/null && chown alice "$D/bob.keytab"
ok "alice keeps a TGT of her own in a KCM cache" \
    as_user alice kinit -k -t "$D/alice.keytab" -c KCM:61001:mine alice
s4u_login login alice open env "run:env -u KRB5CCNAME klist" \
    "run:kinit -k -t $D/alice.keytab alice && echo KINIT-SAME-OK" \
    "run:klist; env -u KRB5CCNAME klist" close
out=$RUN_OUTPUT
cc=$(s4u_ccname)
like "$out" "Ticket cache: KCM:61001:mine" "her own TGT cache stays the primary when a session opens"
like "$out" 'KINIT-SAME-OK' "kinit (same user) inside the session succeeds"
like "$out" "Ticket cache: $cc"$'\n'"Default principal: alice@EXAMPLE.TEST"$'\n\n.*\n[^\n]*krbtgt/EXAMPLE.TEST' \
    "it puts her TGT into the session's cache"
unlike "$(kcm_list alice)" "$cc" "logout removes the session's cache, her TGT in it included"
is "$(kcm_primary)" KCM:61001:mine "the primary moved to her own live cache"

s4u_login login alice open env \
    "run:kinit -k -t $D/bob.keytab bob 2>&1; echo KINIT-OTHER=\$?" \
    "run:klist" close
out=$RUN_OUTPUT
cc=$(s4u_ccname)
like "$out" 'KINIT-OTHER=0' "kinit otheruser inside a KCM session succeeds"
like "$out" "Ticket cache: $cc"$'\n'"Default principal: alice@EXAMPLE.TEST" \
    "into a new cache: the session's cache still holds alice's tickets"
like "$(as_user alice klist 2>&1)" 'Default principal: bob@EXAMPLE.TEST' \
    "bob's new cache is the primary, as MIT's kinit makes it"
unlike "$(kcm_list alice)" "$cc" "logout removed only the session's cache"
like "$(kcm_list alice)" 'KCM:61001:mine' "her own cache is still there"

done_testing
