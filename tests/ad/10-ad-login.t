#!/usr/bin/env bash
# pam-s4u on a jump host joined to an Active Directory domain, against a
# real Samba 4.17 AD DC (tests/harness/samba.sh): the keytab a join writes,
# no principal= option, no "forwardable = true" in krb5.conf; the login
# names SSSD and winbind give; a UPN user; a local account whose name is
# the domain Administrator's; the three refusals an AD admin meets, each
# with its own explanation in the log and in s4uctl check; the keyring
# quota with tickets that carry a PAC.
set -uo pipefail
export S4U_KDC=samba S4U_NS_NET=1 S4U_DNS_DOMAIN=ad.example.test
# shellcheck source=tests/harness/s4u.sh
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
t0=$(date +%s.%N)
s4u_world_start
diag "Samba AD world up in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" \
    "(provisioning: ${SAMBA_PROVISION_SECONDS:-restored from the cache})"
D=ad.example.test
R=AD.EXAMPLE.TEST

# krb5conf [EXTRA]: the jump host's krb5.conf as a join leaves it, plus EXTRA.
krb5conf() {
    samba_krb5conf "$S4U_KRB5_CONF" "${1:-}"
}
# creds: the "cred" lines of the last login's ccdump, sorted.
creds() {
    grep '^cred ' <<<"$RUN_OUTPUT" | sort -u
}
# login USER: a session for USER that dumps her cache, then closes.
login() {
    syslog_clear
    s4u_login ad "$1" open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
}
ctl() {
    run timeout 60 "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/ad" "$@"
}

ok "the keytab holds the machine account, as a join writes it" \
    grep -q "SERVERB\\\$@$R" <(klist -k "$S4U_TEST_DIR/serverb.keytab")
unlike "$(cat /etc/krb5.conf)" 'forwardable' "krb5.conf does not ask for forwardable tickets"
s4u_pam_service ad "targets=$S4U_TARGETS" debug
unlike "$(cat "$S4U_TEST_DIR/pam.d/ad")" 'principal=' "the PAM line has no principal="

# --- the jump host's principal ----------------------------------------------------
ctl status
like "$RUN_OUTPUT" "holds SERVERB\\\$@$R, kvno [0-9]+ .*the jump host is SERVERB\\\$@$R because no principal=, and the keytab holds this host's machine account" \
    "s4uctl status: the machine account SERVERB\$, and why"

# --- alice, a plain name ------------------------------------------------------------
login alice
like "$RUN_OUTPUT" $'(^|\n)open: Success' "alice's session opens"
like "$RUN_OUTPUT" "default alice@$R" "her cache's default principal is alice@$R"
is "$(creds | grep -c .)" 2 "it holds two tickets"
like "$(creds)" "client=alice@$R server=host/serverc.$D@$R forwardable=1 tgt=0 config=0 skey=0" \
    "one for host/serverc, client alice"
like "$(creds)" "client=alice@$R server=cifs/serverc.$D@$R" "one for cifs/serverc"
unlike "$(creds)" 'SERVERB|krbtgt|serverb' "nothing of the jump host's, no TGT"
ok "the summary is logged" syslog_wait "delegated 2 of 2 targets for user=alice into"

# --- SSSD's fully qualified name ------------------------------------------------------
login alice@$D
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "alice@$D: without an auth_to_local that maps to it, nothing"
ok "the log says the realm maps the principal to another local name" syslog_wait \
    "failed for user=alice@$D: the login name does not map to a principal of the realm.*\\[USER_MAPPING: auth_to_local maps alice@$R to local name alice, not to the login name"
# What SSSD's localauth plugin answers for a fully qualified configuration.
krb5conf "[realms]
    $R = {
        auth_to_local = RULE:[1:\$1@$D]
    }"
login alice@$D
like "$RUN_OUTPUT" "default alice@$R" "with auth_to_local mapping to alice@$D: alice@$R"
is "$(creds | grep -c "client=alice@$R ")" 2 "both tickets are alice's"

# --- winbind's down-level name ---------------------------------------------------------
login 'ADLAB\alice'
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "ADLAB\\alice: auth_to_local maps to alice@$D, not to her: nothing"
ok "the log says so" syslog_wait \
    "failed for user=ADLAB.*alice: the login name does not map to a principal of the realm.*\\[USER_MAPPING"
# What winbind's localauth plugin answers.
krb5conf "[realms]
    $R = {
        auth_to_local = RULE:[1:ADLAB\\\$1]
    }"
login 'ADLAB\alice'
like "$RUN_OUTPUT" "default alice@$R" "ADLAB\\alice with auth_to_local RULE:[1:ADLAB\\\$1]: alice@$R"
is "$(creds | grep -c "client=alice@$R ")" 2 "both tickets are alice's"
login 'OTHER\alice'
like "$RUN_OUTPUT" 'open: Success' "OTHER\\alice (no such account here) still logs in"
krb5conf

# --- a UPN suffix that is not the realm's ---------------------------------------------------
login alice2@corp.example.test
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "alice2@corp.example.test: a domain the realm does not claim: nothing"
ok "the log names the domain and the fix" syslog_wait \
    'failed for user=alice2@corp\.example\.test: the login name does not map .*the domain corp\.example\.test of the login name is not realm AD\.EXAMPLE\.TEST.s.*\[domain_realm\]'
krb5conf "[domain_realm]
    corp.example.test = $R"
login alice2@corp.example.test
like "$RUN_OUTPUT" 'default alice2\\@corp\.example\.test@AD\.EXAMPLE\.TEST' \
    "with corp.example.test in [domain_realm]: the enterprise name alice2@corp.example.test"
is "$(creds | grep -c 'server=host/serverc\|server=cifs/serverc')" 2 "and both tickets"
krb5conf
# A plain name whose account's UPN has another suffix: Samba's S4U2self does
# not find alice2@AD.EXAMPLE.TEST; the enterprise name alice2@ad.example.test does.
login alice2
is "$(creds | grep -c .)" 2 "alice2 (UPN alice2@corp.example.test) gets both tickets"
like "$(creds)" "client=alice2@$R server=host/serverc" \
    "through the enterprise name alice2@$D, which Samba answers with the canonical alice2@$R"

# --- a local account is not the domain's -------------------------------------------------
login administrator
like "$RUN_OUTPUT" 'open: Success' "the local administrator logs in"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "and gets no ticket"
ok "the log says why: a local account" syslog_wait \
    'failed for user=administrator: the login is a local account \(/etc/passwd\), not the domain account of the same name.*\[LOCAL_ACCOUNT'
ctl check administrator
like "$RUN_OUTPUT" '\[FAIL\] user: administrator' "s4uctl check: the user step fails"
like "$RUN_OUTPUT" 'LOCAL_ACCOUNT: /etc/passwd holds this account' "with LOCAL_ACCOUNT"
# What local_accounts would allow: the domain Administrator's tickets.
s4u_pam_service adlocal "targets=$S4U_TARGETS" local_accounts
syslog_clear
s4u_login adlocal administrator open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
like "$(creds)" "client=administrator@$R server=host/serverc" \
    "with local_accounts the local administrator would get the domain Administrator's tickets"

# --- the three refusals ------------------------------------------------------------------
s4u_pam_service refusals "targets=host/serverc.$D,http/serverd.$D,host/nospn.$D" debug
syslog_clear
s4u_login refusals sensitive open env close
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "the sensitive user gets nothing"
ok "sensitive: the log says the user is marked as not delegable" syslog_wait \
    "delegation to host/serverc\\.$D failed for user=sensitive: the user is marked as not delegable.*\\[USER_NOT_DELEGABLE.*; AD: Set-ADAccountControl -Identity sensitive -AccountNotDelegated .*; Samba: samba-tool user sensitive sensitive off"
unlike "$(syslog_grep 'user=sensitive')" '; MIT: ' "with AD's and Samba's commands, not MIT's (the jump host is a machine account)"
syslog_clear
s4u_login refusals alice open env close
like "$RUN_OUTPUT" 'KRB5CCNAME' "alice gets the allowed target"
ok "a target not in msDS-AllowedToDelegateTo: not allowed" syslog_wait \
    "delegation to http/serverd\\.$D failed for user=alice: .*\\[TARGET_NOT_ALLOWED"
ok "a target whose SPN no account holds: unknown" syslog_wait \
    "delegation to host/nospn\\.$D failed for user=alice: .*\\[TARGET_UNKNOWN"
ok "one of three" syslog_wait "delegated 1 of 3 targets for user=alice"

ctl check sensitive "host/serverc.$D"
like "$RUN_OUTPUT" 'USER_NOT_DELEGABLE' "s4uctl check: the user is not delegable"
like "$RUN_OUTPUT" 'samba-tool user sensitive sensitive off' "with Samba's fix"
like "$RUN_OUTPUT" 'key version: .*a PAC in it, and the host is a machine account: Active Directory or Samba AD' \
    "s4uctl recognises an AD-kind KDC from the PAC in the host's ticket"
like "$RUN_OUTPUT" $'\n +AD: +[^\n]*\n +Samba: +[^\n]*\n +MIT/LDAP: ' \
    "and shows the AD and Samba fixes first"
ctl --kdc mit check sensitive "host/serverc.$D"
like "$RUN_OUTPUT" 'MIT/LDAP: ' "--kdc mit still shows the MIT fix"
unlike "$RUN_OUTPUT" 'Samba: ' "and only it"
ctl check alice "http/serverd.$D" "host/nospn.$D"
like "$RUN_OUTPUT" 'TARGET_NOT_ALLOWED' "s4uctl check: http/serverd is not allowed"
like "$RUN_OUTPUT" 'TARGET_UNKNOWN' "s4uctl check: host/nospn is unknown"
diag "$(grep -E 'KDC|kind' <<<"$RUN_OUTPUT" | head -n 3)"

# --- PAC-sized tickets and the keyring quota ------------------------------------------------
# bytes: alice's keyring bytes in use (from /proc/key-users).
bytes() {
    awk '$1 == "62001:" { split($5, b, "/"); print b[1] }' /proc/key-users
}
s4u_clean_user alice
before=$(bytes)
s4u_login ad alice open env
one=$(($(bytes) - ${before:-0}))
diag "two AD tickets with PAC take $one bytes of alice's keyring quota (cache keyring included)"
ok "an AD ticket with PAC takes more quota than an MIT one (about 1280 bytes)" test "$one" -gt 3000
s4u_clean_user alice
all="host/serverc.$D,cifs/serverc.$D"
for svc in $SAMBA_EXTRA_SERVICES; do all+=",$svc/serverc.$D"; done
s4u_pam_service many "targets=$all"
syslog_clear
s4u_login many alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\""
like "$RUN_OUTPUT" 'open: Success' "twelve targets: the login still succeeds"
stored=$(creds | grep -c .)
diag "of 12 AD tickets, $stored fit in the default quota of 20000 bytes"
ok "not all twelve fit" test "$stored" -lt 12
ok "the log says the quota is full and how to raise it" syslog_wait \
    'the user.s kernel keyring quota has no room .*\[QUOTA: .*kernel.keys.maxbytes'
ok "alice keeps room to klist and kdestroy" test $((20000 - $(bytes))) -ge 2048
s4u_clean_user alice

done_testing
