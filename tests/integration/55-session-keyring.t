#!/usr/bin/env bash
# ccache=KEYRING:session:... is refused.  Through the real su(1), with no
# pam_keyinit in the stack (as in Debian 12's stock su and sudo), the
# session keyring pam_s4u would write into is the invoking user's: alice
# runs `su bob` and could read bob's service tickets.  Nothing is written,
# the log says why and what to use, and the helper refuses on its own too.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start

[[ -u $(command -v su) ]] || bail_out "su is not setuid root here"
D=$S4U_TEST_DIR
sync=$D/sync
mkdir -m 0777 "$sync" || bail_out "mkdir $sync"
why='ccache= names the session keyring, which with su or sudo belongs to the invoking user, who could read the tickets; use ccache=KEYRING:persistent:%\{uid\}'

# The namespace's private /etc/pam.d/su: anyone may su (this namespace
# exists only for the test), no pam_keyinit, pam_s4u in the session stack.
cat >/etc/pam.d/su <<EOF
auth     sufficient  pam_rootok.so
auth     sufficient  pam_permit.so
account  required    pam_permit.so
session  required    pam_permit.so
session  optional    $S4U_BUILD/pam_s4u.so helper=$S4U_BUILD/pam_s4u_helper principal=$S4U_HOST keytab=$D/serverb.keytab targets=$S4U_TARGETS ccache=KEYRING:session:%{uid}
EOF

# --- alice, in a session keyring of her own, runs su bob ----------------------
# While bob's shell runs, alice looks into her session keyring for his
# tickets (before the fix, the helper had put his cache there).
syslog_clear
# shellcheck disable=SC2016 # expanded by alice's and bob's shells
run as_user alice keyctl session - sh -c '
    d=$1
    su bob -c "echo CC=\${KRB5CCNAME:-none}; : >$d/in; while [ ! -e $d/done ]; do sleep 0.1; done" &
    i=0
    while [ ! -e "$d/in" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    echo "alice-keyring: $(keyctl rdescribe @s)"
    keyctl show @s
    KRB5CCNAME=KEYRING:session:61002 klist -l 2>&1
    : >"$d/done"
    wait
' sh "$sync"
out=$RUN_OUTPUT
is "$RUN_STATUS" 0 "alice's su to bob succeeds"
like "$out" 'alice-keyring: keyring;61001;' "the session keyring su inherited is alice's"
like "$out" 'CC=none' "bob's shell gets no KRB5CCNAME"
unlike "$out" '_krb_' "no cache keyring was put in alice's session keyring"
unlike "$out" 'bob@EXAMPLE\.TEST' "alice cannot list bob's tickets"
ok "the log says why and what to use" syslog_wait \
    "pam_s4u\\(su:session\\): configuration error: $why; nothing delegated"
is "$(s4u_user_keys bob | grep -c '_krb_')" 0 "bob has no cache keyring left anywhere"

# --- the helper refuses on its own ------------------------------------------
# request MODE CCACHE: a helper request for bob.
request() {
    printf 'mode=%s\nuser=bob\nuid=61002\ngid=61002\nprincipal=%s\nkeytab=%s\n' \
        "$1" "$S4U_HOST" "$D/serverb.keytab"
    printf 'ccache=%s\ntimeout=5\ntarget=host/serverc.example.test\n' "$2"
}
request delegate KEYRING:session:61002 >"$D/req"
run "$S4U_BUILD/pam_s4u_helper" <"$D/req"
like "$RUN_OUTPUT" $'fatal\tCONFIG\t0\t'"$why" "a delegate request into the session keyring is refused"
unlike "$RUN_OUTPUT" $'\ncache\t' "and writes no cache"
request destroy KEYRING:session:61002:s4u_0123456789abcdef >"$D/req"
run "$S4U_BUILD/pam_s4u_helper" <"$D/req"
like "$RUN_OUTPUT" $'fatal\tCONFIG\t0\t'"$why" "so is a destroy request there"

done_testing
