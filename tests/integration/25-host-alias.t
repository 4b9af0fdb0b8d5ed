#!/usr/bin/env bash
# A ticket the jump host's own keys decrypt never reaches a user, whatever
# its server is called: an LDAP alias of the jump host's entry, allowed for
# delegation, passes every check on names, so the helper tries the keytab's
# keys on each delegated ticket while it can still read the keytab.  The
# other targets of the login are still delegated.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start

ALIAS=alias/serverb.example.test

# add_alias PRINC ALIAS: ALIAS becomes another name of PRINC's LDAP entry
# (MIT's LDAP form of an alias: a second krbPrincipalName, with the
# canonical name in krbCanonicalName).
add_alias() {
    local dn out
    dn=$(realm_principal_dn "$1") || return 1
    out=$(_realm_ldap ldapmodify 2>&1 <<EOF
dn: $dn
changetype: modify
add: krbPrincipalName
krbPrincipalName: $2@$REALM_NAME
-
add: krbCanonicalName
krbCanonicalName: $1@$REALM_NAME
EOF
    ) || { diag "$out"; return 1; }
}

ok "$ALIAS is an alias of the jump host's entry" add_alias "$S4U_HOST" "$ALIAS"
ok "the jump host may delegate to its alias" realm_allow_delegation "$S4U_HOST" "$ALIAS@EXAMPLE.TEST"
like "$(realm_kadmin "getprinc $ALIAS")" "Principal: $S4U_HOST@EXAMPLE.TEST" \
    "the KDC resolves the alias to the jump host's entry"

# --- the alias is asked for with the real targets ----------------------------
syslog_clear
s4u_pam_service alias "targets=$ALIAS,$S4U_TARGETS"
s4u_login alias alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
out=$RUN_OUTPUT
like "$out" $'(^|\n)open: Success' "the session opens"
creds=$(grep '^cred ' <<<"$out" | sort -u)
unlike "$creds" 'serverb' "no ticket to the alias (or to the jump host) in her cache"
is "$(grep -c . <<<"$creds")" 2 "the two real targets are delegated"
like "$creds" 'server=host/serverc.example.test@EXAMPLE.TEST' "host/serverc is there"
like "$creds" 'server=cifs/serverc.example.test@EXAMPLE.TEST' "cifs/serverc is there"
ok "the log says why, with the fix" syslog_wait \
    "delegation to $ALIAS failed for user=alice: a key in the jump host's own keytab decrypts this ticket .*\\[TARGET_IS_JUMP_HOST: the key of $S4U_HOST@EXAMPLE.TEST in .*serverb.keytab decrypts this ticket.*\\]; fix: .*krbAllowedToDelegateTo"
ok "the summary counts 2 of 3" syslog_wait 'delegated 2 of 3 targets for user=alice into KEYRING:'
run timeout 60 "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/alias" check alice
is "$RUN_STATUS" 1 "s4uctl check: some targets fail (exit 1)"
like "$RUN_OUTPUT" "\\[FAIL\\] S4U2proxy: $ALIAS@EXAMPLE.TEST.*\\[TARGET_IS_JUMP_HOST: the key of $S4U_HOST@EXAMPLE.TEST in" \
    "s4uctl check refuses the alias as the helper does: TARGET_IS_JUMP_HOST"
like "$RUN_OUTPUT" 'result: 2 of 3 targets can be delegated for alice' "and counts 2 of 3"

# --- by key, not by name: a keytab that also holds a target's key -------------
# A ticket to a service whose key this host holds is one of the host's own.
syslog_clear
cp "$S4U_TEST_DIR/serverb.keytab" "$S4U_TEST_DIR/both.keytab"
ok "a keytab with the jump host's and cifs/serverc's keys" \
    realm_ktadd cifs/serverc.example.test "$S4U_TEST_DIR/both.keytab"
s4u_pam_service both "targets=$S4U_TARGETS" keytab="$S4U_TEST_DIR/both.keytab"
s4u_login both alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
creds=$(grep '^cred ' <<<"$RUN_OUTPUT" | sort -u)
is "$(grep -c . <<<"$creds")" 1 "one ticket is delegated"
like "$creds" 'server=host/serverc.example.test@EXAMPLE.TEST' "host/serverc, whose key is not here"
ok "cifs/serverc is refused: this host holds its key" syslog_wait \
    "delegation to cifs/serverc.example.test failed for user=alice: .*\\[TARGET_IS_JUMP_HOST: the key of cifs/serverc.example.test@EXAMPLE.TEST in .*both.keytab decrypts"

done_testing
