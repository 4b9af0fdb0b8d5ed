#!/usr/bin/env bash
# The SSH double hop in an Active Directory domain (a Samba 4.17 AD DC): a
# domain user logs in to the domain-joined jump host's real sshd with a key,
# and from there reaches ServerC's sshd (gssapi-with-mic only) with the
# ticket pam_s4u delegated.  The PAM line has no principal= (the keytab a
# join writes holds SERVERB$) and krb5.conf no "forwardable = true".  The
# same for the login names SSSD (alice@ad.example.test) and winbind
# (ADLAB\alice) give, with the auth_to_local their localauth plugins answer.
# Commands for ServerB are single-quoted: they expand there, not here.
# shellcheck disable=SC2016
set -uo pipefail
export S4U_KDC=samba S4U_NS_NET=1 S4U_DNS_DOMAIN=ad.example.test
export SCN_KEY_USERS='alice alice@ad.example.test ADLAB\alice'
# shellcheck source=tests/scenario/lib.sh
. "$(dirname "$0")/../scenario/lib.sh"
ns_reexec "$@"
scn_start
D=ad.example.test
R=AD.EXAMPLE.TEST

unlike "$SCN_PAM_LINE" 'principal=' "ServerB's pam_s4u line has no principal="
unlike "$(cat /etc/krb5.conf)" 'forwardable' "krb5.conf does not ask for forwardable tickets"

# hop USER: log in to ServerB as USER, list the tickets, ssh on to ServerC.
hop() {
    scn_open s "$1"
    is "$RUN_STATUS" 0 "$1 logs in to ServerB with her key"
    scn_in s "$scn_tickets"
    is "$RUN_OUTPUT" "HTTP/serverc.$D@$R"$'\n'"host/serverc.$D@$R" \
        "$1: her cache holds exactly the two ServerC tickets"
    scn_in s 'klist'
    like "$RUN_OUTPUT" "Default principal: alice@$R" "$1: they are alice@$R's"
    unlike "$RUN_OUTPUT" 'krbtgt|SERVERB|serverb' "$1: no TGT, nothing of the jump host's"
    scn_in s 'ssh serverc id -un'
    is "$RUN_STATUS:$RUN_OUTPUT" "0:$1" "$1: ssh serverc works with the delegated AD ticket"
    scn_close s
}

hop alice
ok "ServerC's sshd accepted alice by gssapi-with-mic" scn_wait_log "$SCN_C_LOG" \
    "Accepted gssapi-with-mic for alice from 127\\.0\\.0\\.3 .*"
scn_open s alice
scn_in s "$SCN_CURL"
is "$RUN_STATUS:$RUN_OUTPUT" "0:hello alice@$R from serverc" \
    "ServerC's web service (Negotiate) accepts her delegated HTTP/ ticket"
scn_close s

# SSSD with fully qualified names: its localauth plugin maps alice@REALM to
# alice@ad.example.test, on both hosts (they share this krb5.conf).
samba_krb5conf "$S4U_KRB5_CONF" "[realms]
    $R = {
        auth_to_local = RULE:[1:\$1@$D]
    }"
hop alice@$D

# winbind: ADLAB\alice.
samba_krb5conf "$S4U_KRB5_CONF" "[realms]
    $R = {
        auth_to_local = RULE:[1:ADLAB\\\$1]
    }"
hop 'ADLAB\alice'
samba_krb5conf "$S4U_KRB5_CONF"

done_testing
