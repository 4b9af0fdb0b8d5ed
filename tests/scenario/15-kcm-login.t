#!/usr/bin/env bash
# Scenario 1 on a KCM host: ServerB's krb5.conf says default_ccache_name =
# KCM: (as Fedora, RHEL and SSSD hosts do) and a real sssd-kcm runs there;
# pam_s4u has no ccache= option.  alice logs in with her SSH key, her
# delegated tickets land in a KCM cache of hers, and from it she reaches
# ServerC over SSH and HTTP; logout removes the cache.
# Commands for ServerB are single-quoted: they expand there, not here.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=tests/scenario/lib.sh
. "$(dirname "$0")/lib.sh"
ns_reexec "$@"
scn_start
ok "ServerB runs sssd-kcm" kcm_start
ok "ServerB's krb5.conf says default_ccache_name = KCM:" kcm_krb5conf
uid=${SCN_UID[alice]}

scn_open s alice
is "$RUN_STATUS" 0 "alice logs in to ServerB with her SSH key"
scn_in s 'printf "%s\n" "${KRB5CCNAME-}"'
ccname=$RUN_OUTPUT
like "$ccname" "^KCM:$uid:s4u_[0-9a-f]{16}\$" \
    "the session's KRB5CCNAME names a new cache in alice's KCM collection"
ok "ServerB's log: two of two targets delegated into that cache" syslog_wait \
    "pam_s4u\\(sshd:session\\): delegated 2 of 2 targets for user=alice into $ccname\$"
scn_in s "$scn_tickets"
is "$RUN_OUTPUT" $'HTTP/serverc.example.test@EXAMPLE.TEST\nhost/serverc.example.test@EXAMPLE.TEST' \
    "klist on ServerB lists exactly the two ServerC service tickets"
scn_in s 'env -u KRB5CCNAME klist | head -n 1'
is "$RUN_OUTPUT" "Ticket cache: $ccname" "it is her primary KCM cache (she had none)"
run as_user bob KRB5CCNAME=KCM: klist -l
unlike "$RUN_OUTPUT" 's4u_' "bob's KCM collection does not show it"

scn_in s 'ssh serverc "hostname; id -un"'
is "$RUN_STATUS" 0 "ssh serverc succeeds with no password and no kinit"
is "$RUN_OUTPUT" $'serverc.example.test\nalice' "the command ran on ServerC as alice"
scn_in s "$SCN_CURL"
is "$RUN_OUTPUT" "hello alice@EXAMPLE.TEST from serverc" "the web service sees alice"
scn_in s 'KRB5CCNAME=FILE:/nonexistent/cache ssh serverc true'
scn_refused "without the delegated cache ssh serverc is refused"

scn_close s
ok "logout removes the cache" syslog_wait \
    "pam_s4u\\(sshd:session\\): removed $ccname for user=alice"
run as_user alice KRB5CCNAME=KCM: klist -l
unlike "$RUN_OUTPUT" "$ccname" "it is gone from alice's KCM collection"

done_testing
