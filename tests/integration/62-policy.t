#!/usr/bin/env bash
# The jump host's own policy, /etc/security/pam_s4u.conf (pam_s4u.conf(5)),
# against the real realm: two groups with different targets, a user line
# and "*" (a user gets the union); when the file exists targets= adds
# nothing; the KDC's delegation ACL still has the last word; a broken line,
# a file others may write, a file owned by a user, and a policy= naming a
# missing file all grant nothing, with a log line naming the cause, while
# the login goes on; s4uctl check and status say which rule gives what.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
[[ -x $S4U_BUILD/s4uctl ]] || bail_out "missing $S4U_BUILD/s4uctl (run make)"
command -v jq >/dev/null || bail_out "jq is missing (tests/install-deps.sh)"
s4u_world_start
POLICY=/etc/security/pam_s4u.conf
HOSTC=host/serverc.example.test
CIFS=cifs/serverc.example.test
HTTP=HTTP/serverc.example.test
# targets= names both targets the KDC allows; the file decides all the same.
s4u_pam_service jump "targets=$S4U_TARGETS"
# alice is in ops, bob in web, both in NSS groups of the private /etc/group.
printf 'ops:x:61100:alice\nweb:x:61101:bob\n' >>"$S4U_TEST_DIR/etc/group"

# targets_of USER: the services of the tickets in USER's session cache.
targets_of() {
    s4u_login jump "$1" open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
    grep -o 'server=[^ ]*' <<<"$RUN_OUTPUT" | sed 's/^server=//; s/@.*//' | sort | paste -sd' ' -
}

# --- no file: targets= as before ---------------------------------------------
ok "no policy file in the test's /etc/security" test ! -e $POLICY
is "$(targets_of alice)" "$CIFS $HOSTC" "without a file, targets= applies"

# --- groups, a user line and * -------------------------------------------------
s4u_policy "# who    targets
@ops      $HOSTC
@web      $CIFS     # the web farm
alice     $CIFS
*         $HTTP"
syslog_clear
is "$(targets_of alice)" "$CIFS $HOSTC" "alice: her group's target and her own line's"
ok "the KDC still refuses the target * grants but its ACL does not allow" \
    syslog_wait "delegation to $HTTP failed for user=alice"
ok "so 2 of the 3 targets the file grants are delegated" \
    syslog_wait 'delegated 2 of 3 targets for user=alice'
syslog_clear
is "$(targets_of bob)" "$CIFS" "bob (web): not host/serverc, although targets= names it"
ok "bob was asked 2 targets: web's and *'s" syslog_wait 'delegated 1 of 2 targets for user=bob'

s4u_policy "* $HOSTC"
is "$(targets_of alice)" "$HOSTC" "a file of one * line: everyone gets that target, and only that"
s4u_policy "@bob $CIFS"
is "$(targets_of bob)" "$CIFS" "a primary group counts"

s4u_pam_service debugjump "targets=$S4U_TARGETS" debug
s4u_policy "@ops $HOSTC
alice $HOSTC $CIFS"
syslog_clear
s4u_login debugjump alice open close
ok "with debug, the log says which line gave each target" \
    syslog_wait "policy $POLICY:1 grants $HOSTC to user=alice"
ok "the first line that grants it" syslog_wait "policy $POLICY:2 grants $CIFS to user=alice"

# --- a user the file grants nothing ----------------------------------------------
s4u_policy "@ops $HOSTC"
syslog_clear
s4u_login jump bob open env close
like "$RUN_OUTPUT" 'open: Success' "a user the file grants nothing logs in"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "with no cache"
ok "and the log says so" syslog_wait "policy $POLICY grants user=bob no target; nothing delegated"

# --- files that grant nothing ----------------------------------------------------
# refused WHAT ERE: alice's login goes on, gets no cache, and the log matches ERE.
refused() {
    syslog_clear
    s4u_login "${SERVICE:-jump}" alice open env close
    like "$RUN_OUTPUT" 'open: Success' "$1: the login goes on"
    unlike "$RUN_OUTPUT" 'KRB5CCNAME' "$1: nothing is delegated"
    ok "$1: the log says why" syslog_wait "$2"
}
s4u_policy "@ops $HOSTC
alice $CIFS
bob
* $HTTP"
refused "a line without targets" "policy: $POLICY:3: a rule names no target; this policy file grants nothing until it is fixed; nothing delegated for user=alice"
s4u_policy "@ops $HOSTC
@ $CIFS"
refused "an @ without a group" "policy: $POLICY:2: a group name is missing"

s4u_policy "alice $HOSTC"
chmod 0646 $POLICY
refused "a file others may write" "policy file refused: $POLICY is unsafe: owned by uid 0, mode 0646"
chmod 0664 $POLICY
refused "a file its group may write" "$POLICY is unsafe: owned by uid 0, mode 0664"
chmod 0644 $POLICY
chown alice $POLICY
refused "a file owned by a user" "$POLICY is unsafe: owned by uid 61001"
chown root $POLICY
chmod 0757 /etc/security
refused "a directory above it others may write" "/etc/security is unsafe: owned by uid 0, mode 0757"
chmod 0755 /etc/security
ln -s $POLICY /etc/security/link.conf
SERVICE=linked
s4u_pam_service linked "targets=$S4U_TARGETS" policy=/etc/security/link.conf
refused "a symlink" "/etc/security/link.conf is a symlink"
SERVICE=missing
s4u_pam_service missing "targets=$S4U_TARGETS" policy=/etc/security/none.conf
refused "policy= naming a missing file" "policy=/etc/security/none.conf: no such file; nothing is granted"
SERVICE=
rm -f /etc/security/link.conf

# policy= names another file, read as the default one is.
printf '* %s\n' "$CIFS" >/etc/security/other.conf
s4u_pam_service other "targets=$S4U_TARGETS" policy=/etc/security/other.conf
s4u_login other alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
is "$(grep -o 'server=[^ @]*' <<<"$RUN_OUTPUT" | paste -sd' ' -)" "server=$CIFS" \
    "policy= names the file to use instead"

# --- s4uctl ----------------------------------------------------------------------
SVC=$S4U_TEST_DIR/pam.d/jump
s4u_policy "@ops $HOSTC
alice $HOSTC $CIFS
* $HTTP"
run timeout 60 "$S4U_BUILD/s4uctl" --service "$SVC" check alice
like "$RUN_OUTPUT" "$HOSTC +granted by $POLICY:1" "check: the rule that gives alice host/serverc"
like "$RUN_OUTPUT" "$CIFS +granted by $POLICY:2" "check: and cifs/serverc"
like "$RUN_OUTPUT" "$HTTP +granted by $POLICY:3" "check: and HTTP/serverc"
like "$RUN_OUTPUT" "result: 2 of 3 targets can be delegated for alice" "check tries what the file grants"
JSON=$(timeout 60 "$S4U_BUILD/s4uctl" --service "$SVC" --json check alice)
is "$(jq -r '.policy.targets[] | "\(.target) \(.granted_by)"' <<<"$JSON" | paste -sd, -)" \
    "$HOSTC $POLICY:1,$CIFS $POLICY:2,$HTTP $POLICY:3" "check --json: the same"
run timeout 60 "$S4U_BUILD/s4uctl" --service "$SVC" check bob "$HOSTC"
like "$RUN_OUTPUT" "$HOSTC +NOT granted" "check USER TARGET: a target the file does not grant is said so"
run timeout 60 "$S4U_BUILD/s4uctl" --service "$SVC" status
like "$RUN_OUTPUT" "Policy: $POLICY \\(3 rules" "status names the file"
like "$RUN_OUTPUT" "$POLICY:1: @ops -> $HOSTC" "status lists the rules with their lines"
JSON=$(timeout 60 "$S4U_BUILD/s4uctl" --service "$SVC" --json status)
is "$(jq -r '.policy.rules[1].who' <<<"$JSON")" alice "status --json lists the rules"
printf 'alice\n' >>$POLICY
run timeout 60 "$S4U_BUILD/s4uctl" --service "$SVC" check alice
is "$RUN_STATUS" 3 "check: a broken file is a configuration error"
like "$RUN_OUTPUT" "$POLICY:4: a rule names no target" "check names the line"
run timeout 60 "$S4U_BUILD/s4uctl" --service "$SVC" status
like "$RUN_OUTPUT" "Policy: refused, nothing is granted: $POLICY:4" "status too"
rm -f $POLICY

done_testing
