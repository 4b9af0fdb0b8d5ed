#!/usr/bin/env bash
# s4uctl against a real realm: every misconfiguration that s4uctl check
# diagnoses is produced for real, and the output (cause and fix) and the exit
# status are checked; where the fix is a command for MIT, the printed
# command itself is run to repair the realm.  Also: check writes nothing to
# the user's cache; it ignores the caller's environment (KRB5_TRACE,
# KRB5_CONFIG); list as root, as the user, and refused for another user;
# status shows each value's source; --json parses; purge; usage errors.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
[[ -x $S4U_BUILD/s4uctl ]] || bail_out "missing $S4U_BUILD/s4uctl (run make)"
command -v jq >/dev/null || bail_out "jq is missing (tests/install-deps.sh)"
s4u_world_start

HOST=$S4U_HOST@EXAMPLE.TEST
SVC=$S4U_TEST_DIR/pam.d/jump
s4u_pam_service jump "targets=$S4U_TARGETS"

# ctl ARGS...: run s4uctl as root with the test's PAM service file.  The
# timeout only guards against a hang; no test depends on how long it takes.
ctl() {
    run timeout 60 "$S4U_BUILD/s4uctl" --service "$SVC" "$@"
}

# ctl_as USER ARGS...: the same, as USER.
ctl_as() {
    local user=$1
    shift
    run as_user "$user" timeout 60 "$S4U_BUILD/s4uctl" --service "$SVC" "$@"
}

# mit_query: the kadmin.local query of the first MIT fix in RUN_OUTPUT.
mit_query() {
    sed -n 's/^ *MIT\/LDAP: kadmin.local -q "\([^"]*\)".*/\1/p' <<<"$RUN_OUTPUT" | head -n 1
}

# mit_ldif: the LDIF (printf format) of the first MIT ldapmodify fix.
mit_ldif() {
    sed -n "s/^ *MIT\/LDAP: .*printf '\([^']*\)' | ldapmodify .*/\1/p" <<<"$RUN_OUTPUT" | head -n 1
}

# apply_ldif FORMAT: feed a printed LDIF (a printf format) to the realm's LDAP.
apply_ldif() {
    # shellcheck disable=SC2059 # the LDIF is a printf format, as s4uctl prints it
    printf "$1" | _realm_ldap ldapmodify >/dev/null
}

# is_json: the output of the last --json run (JSON) is one valid document.
is_json() {
    jq -e . >/dev/null 2>&1 <<<"$JSON"
}

# jget FILTER: a value from that document.
jget() {
    jq -r "$1" <<<"$JSON" 2>/dev/null
}

# --- everything works -----------------------------------------------------
s4u_login jump alice open env
ccname=$(s4u_ccname)
like "$ccname" '^KEYRING:persistent:61001:s4u_' "alice has a delegated cache from a login"
collection_before=$(as_user alice KRB5CCNAME=KEYRING:persistent:61001 klist -l 2>&1)
dump_before=$(s4u_dump alice "$ccname")
tmpcc_before=$(find /tmp -maxdepth 1 -name 'krb5cc*' | sort)
ctl check alice
is "$RUN_STATUS" 0 "check: all ok exits 0"
like "$RUN_OUTPUT" "\[ ok \] keytab: FILE:$S4U_TEST_DIR/serverb.keytab: holds $HOST, kvno [0-9]+" \
    "check reports the keytab and its kvno"
like "$RUN_OUTPUT" '\[ ok \] host TGT: [^ ]+: forwardable TGT issued' "check reports a forwardable host TGT"
like "$RUN_OUTPUT" '\[ ok \] key version: [^ ]+: the KDC uses kvno [0-9]+; a ticket it issued for the host decrypts with the keytab' \
    "check compares the KDC's key version with the keytab"
like "$RUN_OUTPUT" '\[ ok \] S4U2self: alice@EXAMPLE.TEST: evidence ticket for alice@EXAMPLE.TEST, forwardable' \
    "check reports forwardable evidence"
like "$RUN_OUTPUT" '\[ ok \] S4U2proxy: host/serverc.example.test@EXAMPLE.TEST: ticket for alice@EXAMPLE.TEST issued' \
    "check delegates to host/serverc"
like "$RUN_OUTPUT" 'result: 2 of 2 targets can be delegated for alice; exit status 0' "check sums up"
unlike "$RUN_OUTPUT" 'FAIL|warn' "no step fails or warns"

# --- check writes nothing to the user's cache ------------------------------
is "$(as_user alice KRB5CCNAME=KEYRING:persistent:61001 klist -l 2>&1)" "$collection_before" \
    "check adds no cache to alice's collection"
is "$(s4u_dump alice "$ccname")" "$dump_before" "check leaves alice's existing cache as it was"
is "$(find /tmp -maxdepth 1 -name 'krb5cc*' | sort)" "$tmpcc_before" "check writes no file cache"
ok "the output says so" grep -q 'nothing is written to any cache' <<<"$RUN_OUTPUT"

# --- the caller's environment reaches no step --------------------------------
# A login's helper runs with an empty environment, so check must too: also
# its S4U2self step, which GSSAPI runs in a krb5 context of its own.
ctl --json check alice
env_status=$RUN_STATUS
env_steps=$(jq -c '[.steps[] | [.step, .verdict, .id]]' <<<"$RUN_OUTPUT")
KRB5_TRACE=$S4U_TEST_DIR/s4uctl.trace ctl check alice
is "$RUN_STATUS" 0 "check with KRB5_TRACE set: exit 0"
nok "KRB5_TRACE is ignored: no trace file is written" test -e "$S4U_TEST_DIR/s4uctl.trace"
realm_write_krb5conf "$S4U_TEST_DIR/elsewhere.conf" "" "127.0.0.1:$(realm_free_port)"
KRB5_CONFIG=$S4U_TEST_DIR/elsewhere.conf ctl --json check alice
is "$RUN_STATUS" "$env_status" "check with KRB5_CONFIG naming a dead KDC: the same exit status"
is "$(jq -c '[.steps[] | [.step, .verdict, .id]]' <<<"$RUN_OUTPUT")" "$env_steps" \
    "KRB5_CONFIG is ignored: every step has the same result"

# --- list: as root, as the user, and refused for another user --------------
perms_before=$(s4u_cache_keys alice "$ccname")
# shellcheck disable=SC2016 # runs in alice's shell
rdesc() { as_user alice keyctl session - sh -c 'p=$(keyctl get_persistent @s) && c=$(keyctl search "$p" keyring "$1") && keyctl rdescribe "$c"' sh "${ccname##*:}" 2>/dev/null; }
rdesc_before=$(rdesc)
root_keys_before=$(keyctl rlist @s 2>&1)
ctl list alice
is "$RUN_STATUS" 0 "list as root: exit 0"
like "$RUN_OUTPUT" "$ccname \\(alice@EXAMPLE.TEST\\)" "root's list names alice's cache"
like "$RUN_OUTPUT" 'host/serverc.example.test@EXAMPLE.TEST +expires [0-9-]+ [0-9:]+' "with each ticket's expiry"
like "$RUN_OUTPUT" '2 tickets in 1 cache of alice' "and counts them"
is "$(s4u_cache_keys alice "$ccname")" "$perms_before" "root's list changes none of alice's keys"
is "$(rdesc)" "$rdesc_before" "nor the permissions of her cache keyring"
is "$(keyctl rlist @s 2>&1)" "$root_keys_before" "nor root's session keyring"
ctl_as alice list
is "$RUN_STATUS" 0 "list as alice, for herself: exit 0"
like "$RUN_OUTPUT" '2 tickets in 1 cache of alice' "alice sees her own tickets"
ctl_as bob list alice
is "$RUN_STATUS" 4 "bob listing alice's tickets: exit 4"
like "$RUN_OUTPUT" 'you may list only your own delegated tickets' "with a clear message"
unlike "$RUN_OUTPUT" 'serverc' "and nothing of alice's"
ctl --json list alice
JSON=$RUN_OUTPUT
ok "list --json is valid JSON" is_json
is "$(jget '.caches[0].tickets | length')" 2 "list --json has the two tickets"
is "$(jget '.caches[0].tickets[0].client')" alice@EXAMPLE.TEST "and their client"
ctl list carol
is "$RUN_STATUS" 0 "list for a user without caches: exit 0"
like "$RUN_OUTPUT" 'no delegated tickets for carol in KEYRING:persistent:61003' "and says so"
s4u_clean_user alice

# --- list: a FILE collection, its caches known by the helper's marker --------
mkdir -m 1777 "$S4U_TEST_DIR/fcc"
# ccache= naming the session keyring: refused by check and flagged by status.
s4u_pam_service sesskr "targets=$S4U_TARGETS" "ccache=KEYRING:session:s4u_%{uid}"
run timeout 60 "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/sesskr" check alice
is "$RUN_STATUS" 3 "check: ccache=KEYRING:session is a configuration error (exit 3)"
like "$RUN_OUTPUT" 'ccache= names the session keyring, which with su or sudo belongs to the invoking user' \
    "check says why, as the module and the helper do"
run timeout 60 "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/sesskr" status
like "$RUN_OUTPUT" 'REFUSED: ccache= names the session keyring.*the module and the helper store nothing' \
    "status flags it as refused"
s4u_pam_service filecc "targets=$S4U_TARGETS" "ccache=FILE:$S4U_TEST_DIR/fcc/cc_%{uid}"
s4u_login filecc alice open env
fccname=$(s4u_ccname)
like "$fccname" "^FILE:$S4U_TEST_DIR/fcc/cc_61001_s4u_[0-9a-f]{16}\$" "a login into a FILE collection"
: >"$S4U_TEST_DIR/fcc/cc_61001_s4u_decoy"
run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/filecc" list alice
is "$RUN_STATUS" 0 "list of a FILE collection: exit 0"
like "$RUN_OUTPUT" "^$fccname \\(alice@EXAMPLE.TEST\\)" "list finds the FILE cache"
like "$RUN_OUTPUT" '2 tickets in 1 cache of alice' "and nothing that only looks like one"
rm -rf "$S4U_TEST_DIR/fcc"

# --- the target is not allowed (the ACL is removed) -------------------------
realm_disallow_delegation "$S4U_HOST" host/serverc.example.test@EXAMPLE.TEST >/dev/null
ctl check alice
is "$RUN_STATUS" 1 "one target not allowed: exit 1"
like "$RUN_OUTPUT" '\[FAIL\] S4U2proxy: host/serverc.example.test@EXAMPLE.TEST' "that target fails"
like "$RUN_OUTPUT" 'cause: the KDC does not allow the jump host to delegate to this target \[TARGET_NOT_ALLOWED: S4U2proxy: KDC can.t fulfill requested option\]' \
    "the cause is the missing permission"
like "$RUN_OUTPUT" 'why: +it exists \(the jump host.s own ticket request for it succeeded\)' \
    "the target exists, told by the host's own TGS request"
like "$RUN_OUTPUT" 'FreeIPA: +ipa servicedelegationrule-add.*servicedelegationrule-add-target pam-s4u' "the FreeIPA fix"
like "$RUN_OUTPUT" "AD: +Set-ADComputer SERVERB -Add @\\{'msDS-AllowedToDelegateTo'='host/serverc.example.test'\\}.*Set-ADComputer SERVERC -PrincipalsAllowedToDelegateToAccount \\(Get-ADComputer SERVERB\\)" \
    "the AD fixes, classic and resource-based"
like "$RUN_OUTPUT" "Samba: +samba-tool delegation add-service 'SERVERB\\$' host/serverc.example.test" "the Samba fix"
like "$RUN_OUTPUT" '\[ ok \] S4U2proxy: cifs/serverc.example.test' "the other target still works"
ldif=$(mit_ldif)
like "$ldif" "^dn: krbPrincipalName=$HOST,cn=EXAMPLE.TEST,cn=krbContainer,dc=example,dc=test\\\\nchangetype: modify\\\\nadd: krbAllowedToDelegateTo\\\\nkrbAllowedToDelegateTo: host/serverc.example.test@EXAMPLE.TEST" \
    "the MIT fix is an LDIF adding krbAllowedToDelegateTo to the host's entry"
ok "the printed LDIF applies as it is" apply_ldif "$ldif"
ctl check alice
is "$RUN_STATUS" 0 "after the printed fix, check exits 0 again"
realm_allow_delegation "$S4U_HOST" host/serverc.example.test@EXAMPLE.TEST >/dev/null

# --- --json for check ------------------------------------------------------------
ctl --json check alice HTTP/serverc.example.test host/serverc.example.test
JSON=$RUN_OUTPUT
is "$RUN_STATUS" 1 "check --json: same exit status as text"
ok "check --json is valid JSON" is_json
is "$(jget .result)" partial "result: partial"
is "$(jget .targets_ok)/$(jget .targets_total)" 1/2 "one of two targets"
is "$(jget '.steps[] | select(.step == "s4u2proxy" and .verdict == "fail") | .id')" TARGET_NOT_ALLOWED \
    "the failing step's id"
like "$(jget '.steps[] | select(.step == "s4u2proxy" and .verdict == "fail") | .fix.mit')" \
    'krbAllowedToDelegateTo: HTTP/serverc.example.test@EXAMPLE.TEST' "its MIT fix, filled in"
is "$(jget '.steps[] | select(.step == "s4u2proxy" and .verdict == "fail") | .exists')" true \
    "and that the target exists"
is "$(jget '.steps[] | select(.step == "keytab") | .keytab_kvno | type')" number "the keytab's kvno is a number"

# --- a target that does not exist -----------------------------------------------
ctl check alice host/nosuch.example.test host/serverc.example.test
is "$RUN_STATUS" 1 "a nonexistent target among good ones: exit 1"
like "$RUN_OUTPUT" 'cause: the target service does not exist in the KDC \[TARGET_UNKNOWN' "the cause: no such target"
like "$RUN_OUTPUT" 'why: +it does not exist: .*host/nosuch.example.test@EXAMPLE.TEST not found in Kerberos database' \
    "told by the host's own TGS request (Server not found)"
like "$RUN_OUTPUT" 'MIT/LDAP: kadmin.local -q "addprinc -randkey host/nosuch.example.test@EXAMPLE.TEST"' \
    "the fix creates it (or corrects the spelling)"
ctl check alice host/nosuch.example.test
is "$RUN_STATUS" 2 "only a nonexistent target: nothing works, exit 2"

# --- the jump host lacks protocol transition ---------------------------------------
realm_disallow_protocol_transition "$S4U_HOST" >/dev/null
ctl check alice
is "$RUN_STATUS" 2 "no protocol transition: nothing works, exit 2"
like "$RUN_OUTPUT" '\[warn\] S4U2self: alice@EXAMPLE.TEST: evidence ticket for alice@EXAMPLE.TEST, not forwardable' \
    "the evidence is not forwardable"
like "$RUN_OUTPUT" 'cause: the jump host lacks protocol transition.*\[NO_PROTOCOL_TRANSITION' \
    "the cause is the host, not the user"
like "$RUN_OUTPUT" 'why: +for host/serverc.example.test the evidence is not forwardable either, while the jump host.s TGT is' \
    "told by comparing with another principal's evidence"
like "$RUN_OUTPUT" "Set-ADAccountControl -Identity 'SERVERB\\$' -TrustedToAuthForDelegation \\\$true" "the AD fix"
like "$RUN_OUTPUT" 'FreeIPA: +ipa host-mod serverb.example.test --ok-to-auth-as-delegate=true' "the FreeIPA fix"
like "$RUN_OUTPUT" "Samba: +samba-tool delegation for-any-protocol 'SERVERB\\$' on" "the Samba fix"
like "$RUN_OUTPUT" '\[FAIL\] S4U2proxy: host/serverc.example.test@EXAMPLE.TEST.*\[NO_PROTOCOL_TRANSITION: S4U2proxy: KDC can.t fulfill' \
    "each refused target names the same cause"
query=$(mit_query)
is "$query" "modprinc +ok_to_auth_as_delegate $HOST" "the MIT fix is modprinc +ok_to_auth_as_delegate"
ok "the printed kadmin.local query runs" realm_kadmin "$query"
ctl check alice
is "$RUN_STATUS" 0 "after the printed fix, check exits 0 again"
realm_allow_protocol_transition "$S4U_HOST" >/dev/null

# --- the user is not delegable (carol: -allow_forwardable) ------------------------
ctl check carol
is "$RUN_STATUS" 2 "a non-delegable user: exit 2"
like "$RUN_OUTPUT" 'cause: the user is marked as not delegable.*\[USER_NOT_DELEGABLE' "the cause is the user"
like "$RUN_OUTPUT" 'why: +for host/serverc.example.test the KDC issues forwardable evidence, so the jump host has protocol transition: carol@EXAMPLE.TEST is marked as not delegable' \
    "told by comparing with another principal's evidence"
is "$(mit_query)" "modprinc +allow_forwardable carol@EXAMPLE.TEST" "the MIT fix names carol"
like "$RUN_OUTPUT" 'samba-tool user sensitive carol off' "the Samba fix"
like "$RUN_OUTPUT" 'Set-ADAccountControl -Identity carol -AccountNotDelegated .false' "the AD fix"

# --- the host's TGT is not forwardable ------------------------------------------
realm_kadmin "modprinc -allow_forwardable $S4U_HOST" >/dev/null
ctl check alice
is "$RUN_STATUS" 2 "a non-forwardable host TGT: exit 2"
like "$RUN_OUTPUT" '\[warn\] host TGT: [^ ]+: TGT issued, not forwardable' "the host TGT step warns"
like "$RUN_OUTPUT" 'cause: the KDC issued the jump host a non-forwardable TGT.*\[HOST_NOT_FORWARDABLE' "the cause"
like "$RUN_OUTPUT" 'why: +the jump host.s own TGT is not forwardable, and evidence tickets inherit that' \
    "the evidence step names the same cause"
query=$(mit_query)
is "$query" "modprinc +allow_forwardable $HOST" "the MIT fix is modprinc +allow_forwardable on the host"
ok "the printed kadmin.local query runs" realm_kadmin "$query"
ctl check alice
is "$RUN_STATUS" 0 "after the printed fix, check exits 0 again"

# --- a stale keytab: the host's key changed at the KDC -------------------------
cp "$S4U_TEST_DIR/serverb.keytab" "$S4U_TEST_DIR/serverb.keytab.old"
old_kvno=$(klist -k "$S4U_TEST_DIR/serverb.keytab" | awk '/host\/serverb/ {print $1}' | sort -n | tail -n 1)
realm_kadmin "cpw -randkey $S4U_HOST" >/dev/null
ctl check alice
is "$RUN_STATUS" 2 "a stale keytab: exit 2"
like "$RUN_OUTPUT" '\[FAIL\] host TGT: .*cause: the KDC rejected the keytab.s key.*\[KEYTAB_STALE' "the cause"
like "$RUN_OUTPUT" "why: +the keytab's newest key is kvno $old_kvno but the KDC uses kvno $((old_kvno + 1)): the key changed at the KDC" \
    "the keytab's kvno against the KDC's"
like "$RUN_OUTPUT" "MIT/LDAP: kadmin.local -q \"ktadd -norandkey -k $S4U_TEST_DIR/serverb.keytab $HOST\"" \
    "the fix refreshes this keytab"
ctl --json check alice
JSON=$RUN_OUTPUT
ok "check --json for a stale keytab is valid JSON" is_json
is "$(jget '.steps[] | select(.step == "host_tgt") | "\(.keytab_kvno) \(.kdc_kvno)"')" "$old_kvno $((old_kvno + 1))" \
    "both key versions are in the JSON"
rm -f "$S4U_TEST_DIR/serverb.keytab"
realm_ktadd "$S4U_HOST" "$S4U_TEST_DIR/serverb.keytab" >/dev/null
ctl check alice
is "$RUN_STATUS" 0 "with the keytab refreshed, check exits 0 again"

# --- the keytab is missing, or lacks the principal ----------------------------
s4u_pam_service nokeytab "targets=$S4U_TARGETS" keytab=/nonexistent/krb5.keytab
run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/nokeytab" check alice
is "$RUN_STATUS" 2 "a missing keytab: exit 2"
like "$RUN_OUTPUT" '\[FAIL\] keytab: FILE:/nonexistent/krb5.keytab.*\[KEYTAB_MISSING' "the keytab step fails"
s4u_pam_service noprinc "targets=$S4U_TARGETS" principal=host/other.example.test
run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/noprinc" check alice
is "$RUN_STATUS" 2 "a keytab without the principal: exit 2"
like "$RUN_OUTPUT" "KEYTAB_NO_PRINCIPAL.*why: +the keytab holds only: $HOST" "it says which principals the keytab holds"

# --- the KDC is down, then silent -------------------------------------------------
dead_port=$(realm_free_port)
realm_write_krb5conf "$S4U_TEST_DIR/dead.conf" "" "127.0.0.1:$dead_port"
ns_set_krb5conf "$S4U_TEST_DIR/dead.conf"
ctl check alice
is "$RUN_STATUS" 2 "no KDC: exit 2"
like "$RUN_OUTPUT" '\[FAIL\] host TGT: .*cause: no KDC of the realm answered \[KDC_UNREACHABLE' "the cause"
ok "the silent KDC listens" s4u_start_silent_kdc "$dead_port"
ctl --timeout 2 check alice
is "$RUN_STATUS" 2 "a silent KDC: check gives up with exit 2 (not killed by the guard)"
like "$RUN_OUTPUT" '\[FAIL\] host TGT: .*cause: the KDC did not answer within timeout= \[TIMEOUT: no answer from the KDC within 2 seconds\]' \
    "the step that hung is marked TIMEOUT"
ctl --timeout 2 --json check alice
JSON=$RUN_OUTPUT
ok "check --json after a timeout is valid JSON" is_json
is "$(jget '.steps[-1].id')" TIMEOUT "its last step is the TIMEOUT"
ctl --timeout 2 status
is "$RUN_STATUS" 2 "status with a silent KDC: exit 2"
like "$RUN_OUTPUT" 'TIMEOUT' "status is bounded by the timeout too"
s4u_stop_silent_kdc
ns_set_krb5conf "$REALM_KRB5_CONFIG"

# --- status: each value and where it came from ---------------------------------------
realm_write_krb5conf "$S4U_TEST_DIR/appdefaults.conf" '[appdefaults]
    pam_s4u = {
        timeout = 7
        minimum_uid = 2000
    }'
ns_set_krb5conf "$S4U_TEST_DIR/appdefaults.conf"
cat >"$S4U_TEST_DIR/pam.d/status" <<EOF
# the jump host's stack
auth     required  pam_permit.so
session  optional  $S4U_BUILD/pam_s4u.so principal=$S4U_HOST \\
    # a comment line inside a continued line is skipped
    keytab=$S4U_TEST_DIR/serverb.keytab \\
    [targets=host/serverc.example.test, cifs/serverc.example.test] minimum_uid=1500 bogus  # ends the line
session  required  pam_permit.so
EOF
run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/status" status
is "$RUN_STATUS" 0 "status: exit 0"
like "$RUN_OUTPUT" "pam.d/status:3: session optional $S4U_BUILD/pam_s4u.so \\(options taken from here\\)" \
    "status finds the pam_s4u line across continuations"
like "$RUN_OUTPUT" "keytab +$S4U_TEST_DIR/serverb.keytab +PAM argument" "a continued argument, from the PAM line"
like "$RUN_OUTPUT" 'targets +host/serverc.example.test, cifs/serverc.example.test +PAM argument' \
    "a bracketed argument with a space"
like "$RUN_OUTPUT" 'timeout +7 +krb5.conf \[appdefaults\]' "a value from krb5.conf [appdefaults]"
like "$RUN_OUTPUT" 'minimum_uid +1500 +PAM argument' "a PAM argument overrides [appdefaults]"
like "$RUN_OUTPUT" 'debug +false +default' "a default"
like "$RUN_OUTPUT" 'max_parallel +6 +default' "max_parallel and its default"
like "$RUN_OUTPUT" 'host_cache +/run/pam_s4u +default' "host_cache's value"
like "$RUN_OUTPUT" 'warning: ignoring unknown option bogus' "an unknown option is a warning"
like "$RUN_OUTPUT" '\[ ok \] host TGT: [^ ]+: forwardable TGT issued' "the host's credentials now"
like "$RUN_OUTPUT" 'kept host credentials: /run/pam_s4u: 1 kept TGT' \
    "the host's TGT kept between logins"
like "$RUN_OUTPUT" "    $S4U_HOST@EXAMPLE.TEST: (fresh|aging|expired), ends " \
    "with its principal, state and end, and nothing of its contents"
like "$RUN_OUTPUT" 'kernel.keys.maxkeys = [0-9]+, kernel.keys.maxbytes = [0-9]+' "the keyring limits"
like "$RUN_OUTPUT" $'\n  0 +[0-9]+/[0-9]+ +[0-9]+/[0-9]+ ' "root's keyring usage"
run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/status" --json status
JSON=$RUN_OUTPUT
ok "status --json is valid JSON" is_json
is "$(jget '.configuration.options[] | select(.name == "timeout") | "\(.value) \(.source)"')" \
    "7 krb5.conf [appdefaults]" "status --json: value and source"
is "$(jget '.configuration.options[] | select(.name == "debug") | .value')" false "booleans are JSON booleans"
is "$(jget '.configuration.options[] | select(.name == "max_parallel") | .value | type')" number \
    "max_parallel is a JSON number"
is "$(jget '.host.steps[] | select(.step == "host_tgt") | .forwardable')" true "the host TGT is forwardable"
is "$(jget '.keyring.users[] | select(.uid == 0) | .headroom_keys | type')" number "root's keyring headroom"
run as_user alice "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/status" status
is "$RUN_STATUS" 0 "status as a user: exit 0"
like "$RUN_OUTPUT" 'run s4uctl status as root to check them' "without the host's credentials"
ns_set_krb5conf "$REALM_KRB5_CONFIG"

# --- purge --------------------------------------------------------------------------
ctl purge
is "$RUN_STATUS" 0 "purge: exit 0"
like "$RUN_OUTPUT" '/run/pam_s4u: dropped 1 kept TGT' "purge drops the host's kept TGT"
ctl --json purge
JSON=$RUN_OUTPUT
ok "purge --json is valid JSON" is_json
is "$(jget .purged)" 0 "purge --json again: nothing left to purge"

# --- usage and permission errors ---------------------------------------------------
run "$S4U_BUILD/s4uctl"
is "$RUN_STATUS" 3 "no command: exit 3"
like "$RUN_OUTPUT" 'usage: s4uctl' "with the usage"
ctl frobnicate
is "$RUN_STATUS" 3 "an unknown command: exit 3"
ctl check
is "$RUN_STATUS" 3 "check without a user: exit 3"
ctl check 'alice/admin@EVIL.TEST'
is "$RUN_STATUS" 3 "check with a principal instead of a login: exit 3"
run "$S4U_BUILD/s4uctl" --service /nonexistent/pam.d/sshd check alice
is "$RUN_STATUS" 3 "a service file that does not exist: exit 3"
like "$RUN_OUTPUT" 'cannot read the PAM service file /nonexistent/pam.d/sshd' "and says which"
S4U_NO_DEFAULTS=1 s4u_pam_service notargets
run "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/notargets" check alice
is "$RUN_STATUS" 3 "no targets configured or given: exit 3"
like "$RUN_OUTPUT" 'no targets' "and says so"
ctl --timeout 0 check alice
is "$RUN_STATUS" 3 "a bad --timeout: exit 3"
ctl_as alice check alice
is "$RUN_STATUS" 4 "check as a user: exit 4"
like "$RUN_OUTPUT" 'check must run as root' "with the reason"
ctl_as alice purge
is "$RUN_STATUS" 4 "purge as a user: exit 4"

# --- every catalog entry is documented --------------------------------------------
ids=$(grep -oE '\{"[A-Z][A-Z0-9_]*"' "$S4U_SRC/lib/s4u_catalog.c" | tr -d '{"' | grep -vx OK)
like "$ids" 'TARGET_NOT_ALLOWED' "the catalog's ids are found"
undocumented=$(for id in $ids; do
    grep -qx "## $id" "$S4U_SRC/docs/troubleshooting.md" || printf '%s ' "$id"
done)
is "$undocumented" "" "docs/troubleshooting.md has a section for every catalog id"

done_testing
