#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# 00-realm.t: the harness itself, with no project code. A private namespace,
# a real MIT KDC on the LDAP backend, and the S4U2self + S4U2proxy chain done
# with plain kinit/kvno (the outcome pam-s4u has to reproduce).
#
# Run from the source tree: prove -v tests/integration/00-realm.t
# S4U_KEEP=1 keeps the temporary directory for inspection.

set -uo pipefail

S4U_SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../harness/tap.sh
. "$S4U_SRC_DIR/tests/harness/tap.sh"
# shellcheck source=../harness/ns.sh
. "$S4U_SRC_DIR/tests/harness/ns.sh"
# shellcheck source=../harness/realm.sh
. "$S4U_SRC_DIR/tests/harness/realm.sh"

ns_reexec "$@"

S4U_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/s4u-test.XXXXXX") || bail_out "mktemp -d failed"
export S4U_TEST_DIR

# shellcheck disable=SC2317 # called through trap/ok/run
cleanup() {
    realm_stop
    ns_teardown
    if [[ ${S4U_KEEP:-} == 1 ]]; then
        printf '# kept %s\n' "$S4U_TEST_DIR" >&2
    else
        rm -rf "$S4U_TEST_DIR"
    fi
}
trap cleanup EXIT

HOSTB=host/serverb.example.test
HOSTC=host/serverc.example.test
HOSTA=host/servera.example.test
HOSTCC=FILE:$S4U_TEST_DIR/serverb.ccache

# kinit as ServerB from its keytab into a fresh cache; extra flags in "$@".
# shellcheck disable=SC2317 # called through trap/ok/run
host_kinit() {
    realm_env kinit "$@" -k -t "$S4U_TEST_DIR/serverb.keytab" -c "$HOSTCC" "$HOSTB"
}

# S4U2self for alice then S4U2proxy to $1, into a fresh output cache $2.
# --out-cache keeps the results out of the host cache, so nothing is reused.
# shellcheck disable=SC2317 # called through trap/ok/run
s4u_to() {
    realm_env kvno -c "$HOSTCC" -U alice -P --out-cache "$2" "$1"
}

# --- namespace -------------------------------------------------------------
# shellcheck disable=SC2016 # $1 is expanded by the inner bash
nok "ns_setup refuses to run in the namespace it started from" \
    bash -c '. "$1"; S4U_OUTER_MNTNS=$(readlink /proc/self/ns/mnt) ns_setup' - "$S4U_SRC_DIR/tests/harness/ns.sh"
ok "ns_setup builds the private namespace" ns_setup || bail_out "ns_setup failed"
is "$(hostname)" serverb.example.test "hostname is serverb.example.test in the UTS namespace"
ok "/dev/null is usable" bash -c 'echo x >/dev/null && [ -c /dev/null ]'
ok "a pty can be allocated (private devpts)" script -qec 'tty' /dev/null
like "$(getent hosts serverc)" '^127\.0\.0\.4 +serverc\.example\.test' "/etc/hosts is the private copy"
# shellcheck disable=SC2016 # $1 is expanded by the inner bash
ok "/etc/pam.d is a private writable copy" \
    bash -c 'echo "auth required pam_deny.so" >/etc/pam.d/s4u-probe &&
        [ -d "$1/etc/pam.d" ] && [ ! -e "$1/etc/pam.d/s4u-probe" ]' - "$(ns_outer_path /)"

# --- realm -----------------------------------------------------------------
ok "realm_start brings up slapd and the KDC" realm_start || bail_out "realm_start failed"
ok "KDC listens on UDP 127.0.0.1:$REALM_KDC_PORT" \
    bash -c "ss -Hlnu '( sport = :$REALM_KDC_PORT )' | grep -q '127.0.0.1:$REALM_KDC_PORT'"
ok "KDC listens on TCP 127.0.0.1:$REALM_KDC_PORT" \
    bash -c "ss -Hlnt '( sport = :$REALM_KDC_PORT )' | grep -q '127.0.0.1:$REALM_KDC_PORT'"
run bash -c "ss -Hlnutp | grep 'pid=$REALM_SLAPD_PID,'"
is "$RUN_OUTPUT" "" "slapd has no network listener (ldapi only)"
like "$(cat /etc/krb5.conf)" "kdc = 127\.0\.0\.1:$REALM_KDC_PORT" "/etc/krb5.conf in the namespace is the realm's"

# kadmin.local exits 0 on most errors; realm_kadmin must not.
nok "realm_kadmin fails for a missing principal" realm_kadmin "getprinc nosuch"
ok "realm_addprinc $HOSTB" realm_addprinc "$HOSTB"
nok "realm_addprinc fails for a duplicate" realm_addprinc "$HOSTB"
ok "realm_addprinc $HOSTC" realm_addprinc "$HOSTC"
ok "realm_addprinc $HOSTA" realm_addprinc "$HOSTA"
ok "realm_adduser alice" realm_adduser alice 'Alice pw 1'
ok "realm_ktadd serverb.keytab" realm_ktadd "$HOSTB" "$S4U_TEST_DIR/serverb.keytab"
ok "realm_ktadd serverc.keytab" realm_ktadd "$HOSTC" "$S4U_TEST_DIR/serverc.keytab"
ok "protocol transition for $HOSTB" realm_allow_protocol_transition "$HOSTB"
ok "delegation $HOSTB -> $HOSTC" realm_allow_delegation "$HOSTB" "$HOSTC"
ok "allowing twice is harmless" realm_allow_delegation "$HOSTB" "$HOSTC"
run realm_principal_dn "$HOSTB"
is "$RUN_OUTPUT" "krbPrincipalName=$HOSTB@EXAMPLE.TEST,cn=EXAMPLE.TEST,cn=krbContainer,dc=example,dc=test" \
    "principal DN"
run realm_ldapsearch "(krbPrincipalName=$HOSTB@EXAMPLE.TEST)" krbAllowedToDelegateTo
like "$RUN_OUTPUT" "krbAllowedToDelegateTo: $HOSTC@EXAMPLE\.TEST" "LDAP entry carries the delegation target"

# --- the S4U chain ---------------------------------------------------------
ok "kinit -k -f as $HOSTB" host_kinit -f
ok "S4U2self + S4U2proxy to $HOSTC" s4u_to "$HOSTC" "FILE:$S4U_TEST_DIR/alice.ccache"
run realm_env klist -c "FILE:$S4U_TEST_DIR/alice.ccache"
like "$RUN_OUTPUT" "Default principal: alice@EXAMPLE\.TEST" "the output cache belongs to alice"
like "$RUN_OUTPUT" "$HOSTC@EXAMPLE\.TEST" "it holds the $HOSTC ticket"
unlike "$RUN_OUTPUT" "krbtgt/" "it holds no TGT"
ok "the ticket decrypts with serverc's keytab" \
    realm_env kvno -k "$S4U_TEST_DIR/serverc.keytab" -c "FILE:$S4U_TEST_DIR/alice.ccache" --cached-only "$HOSTC"

run s4u_to "$HOSTA" "FILE:$S4U_TEST_DIR/alice-a.ccache"
is "$RUN_STATUS" 1 "S4U2proxy to a target that is not allowed fails"
like "$RUN_OUTPUT" "constrained delegation failed" "... with 'constrained delegation failed'"
run s4u_to host/nosuch.example.test "FILE:$S4U_TEST_DIR/alice-n.ccache"
like "$RUN_OUTPUT" "not found in Kerberos database" "a target that does not exist is reported as such"

ok "realm_disallow_delegation" realm_disallow_delegation "$HOSTB" "$HOSTC"
nok "S4U2proxy fails once the target is disallowed (no KDC restart)" \
    s4u_to "$HOSTC" "FILE:$S4U_TEST_DIR/alice2.ccache"
ok "re-allow" realm_allow_delegation "$HOSTB" "$HOSTC"
ok "S4U2proxy works again" s4u_to "$HOSTC" "FILE:$S4U_TEST_DIR/alice3.ccache"

ok "kinit -F: a non-forwardable host TGT" host_kinit -F
run s4u_to "$HOSTC" "FILE:$S4U_TEST_DIR/alice4.ccache"
like "$RUN_OUTPUT" "KDC can't fulfill requested option" "non-forwardable evidence ticket is refused"
like "$(cat "$REALM_DIR/kdc.log")" "EVIDENCE_TKT_NOT_FORWARDABLE" "... and the KDC log says why"

# --- accounts --------------------------------------------------------------
ok "ns_adduser alice 61001" ns_adduser alice 61001 'Alice unix pw'
like "$(getent passwd alice)" "^alice:x:61001:61001:[^:]*:$S4U_TEST_DIR/home/alice:/bin/bash$" \
    "alice is in getent passwd inside the namespace"
ok "the machine's /etc/passwd is readable through ns_outer_path" test -s "$(ns_outer_path /etc/passwd)"
run grep -E '^alice:|:61001:' "$(ns_outer_path /etc/passwd)"
is "$RUN_OUTPUT" "" "alice is not in the machine's /etc/passwd"
is "$(stat -c %u:%g:%a "$S4U_TEST_DIR/home/alice")" "61001:61001:700" "alice owns her home"
is "$(as_user alice id -u)" 61001 "as_user runs as alice"
is "$(as_user alice id -G)" 61001 "with alice's groups only"
is "$(as_user alice FOO=bar env | sort | tr '\n' ' ')" \
    "FOO=bar HOME=$S4U_TEST_DIR/home/alice LOGNAME=alice PATH=/usr/local/bin:/usr/bin:/bin SHELL=/bin/bash USER=alice " \
    "as_user gives a clean environment plus the given variables"
is "$(as_user alice pwd)" "$S4U_TEST_DIR/home/alice" "as_user starts in the home directory"

printf 'auth required pam_unix.so\naccount required pam_unix.so\n' >/etc/pam.d/s4u-unix
ok "alice's shadow password works through PAM" \
    bash -c "printf 'Alice unix pw\n' | pamtester s4u-unix alice authenticate"
nok "a wrong password is refused" bash -c "printf 'wrong\n' | pamtester s4u-unix alice authenticate"

ok "ns_adduser bob 61002" ns_adduser bob 61002
ok "ns_adduser bob 61003 replaces bob" ns_adduser bob 61003
is "$(grep -c '^bob:' "$S4U_TEST_DIR/etc/passwd")" 1 "one passwd line for bob"
is "$(getent passwd bob | cut -d: -f3)" 61003 "bob now has uid 61003"
ok "ns_adduser carol 61003 takes bob's uid" ns_adduser carol 61003
nok "bob is gone" getent passwd bob
nok "bob's shadow line is gone" grep -q '^bob:' "$S4U_TEST_DIR/etc/shadow"
nok "bob's group is gone" getent group bob
nok "uids outside 61000-61999 are refused" ns_adduser dave 1000

# --- syslog ----------------------------------------------------------------
ok "logger writes to /dev/log" logger -t test hello
ok "the line arrives in \$S4U_TEST_DIR/syslog" syslog_wait 'test(\[[0-9]+\])?: hello$'
ok "a test user can log too" as_user alice logger -t s4u-user from-alice
ok "... and it arrives" syslog_wait 's4u-user(\[[0-9]+\])?: from-alice$'
ok "syslog_clear empties the log" syslog_clear
nok "syslog_grep finds nothing afterwards" syslog_grep hello

# --- krb5.conf variants ----------------------------------------------------
dead_port=$(realm_free_port)
ok "realm_write_krb5conf with a dead KDC and appdefaults" realm_write_krb5conf "$S4U_TEST_DIR/dead.conf" \
    $'[appdefaults]\n    pam_s4u = {\n        targets = host/serverc.example.test\n    }' "127.0.0.1:$dead_port"
ok "ns_set_krb5conf switches /etc/krb5.conf" ns_set_krb5conf "$S4U_TEST_DIR/dead.conf"
like "$(cat /etc/krb5.conf)" "pam_s4u = \{" "the variant is in place"
run timeout 20 kinit -k -t "$S4U_TEST_DIR/serverb.keytab" -c "FILE:$S4U_TEST_DIR/dead.ccache" "$HOSTB"
like "$RUN_OUTPUT" "Cannot contact any KDC" "kinit against the dead KDC fails"
ok "ns_set_krb5conf back to the realm" ns_set_krb5conf "$REALM_KRB5_CONFIG"
ok "kinit through /etc/krb5.conf works again" \
    kinit -k -t "$S4U_TEST_DIR/serverb.keytab" -c "FILE:$S4U_TEST_DIR/live.ccache" "$HOSTB"

# --- teardown --------------------------------------------------------------
kdc_pid=$REALM_KDC_PID
slapd_pid=$REALM_SLAPD_PID
ok "realm_stop" realm_stop
nok "krb5kdc ($kdc_pid) is gone" kill -0 "$kdc_pid"
nok "slapd ($slapd_pid) is gone" kill -0 "$slapd_pid"
ok "realm_stop twice is harmless" realm_stop

done_testing
