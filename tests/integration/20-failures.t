#!/usr/bin/env bash
# Every failure is produced for real: the session still opens (unless
# fail_on_error), nothing half-written is left, and the log line says what
# went wrong and how to fix it.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start

# s4u_no_caches USER: USER's collection lists no cache of ours.
s4u_no_caches() {
    local out
    out=$(as_user "$1" KRB5CCNAME="KEYRING:persistent:$(id -u "$1")" klist -l 2>&1)
    ! grep -q ':s4u_' <<<"$out"
}

# --- one target not allowed, one unknown: the others still work ----------
s4u_pam_service mixed \
    "targets=$S4U_TARGETS,HTTP/serverc.example.test,host/nosuch.example.test"
s4u_login mixed alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
like "$RUN_OUTPUT" 'open: Success' "partial delegation: the session opens"
is "$(grep -c '^cred ' <<<"$RUN_OUTPUT")" 2 "the two allowed targets are delegated"
ok "the refused target is logged with the missing KDC permission" syslog_wait \
    'delegation to HTTP/serverc.example.test failed for user=alice: the KDC does not allow the jump host to delegate to this target \[TARGET_NOT_ALLOWED: S4U2proxy: KDC can.t fulfill requested option\]; fix: .*krbAllowedToDelegateTo'
ok "the unknown target is logged as such" syslog_wait \
    'delegation to host/nosuch.example.test failed for user=alice: the target service does not exist in the KDC \[TARGET_UNKNOWN: .*not found in Kerberos database\]'
ok "the summary counts 2 of 4" syslog_wait 'delegated 2 of 4 targets for user=alice'

# --- a user who may not be delegated ----------------------------------------
syslog_clear
s4u_pam_service login "targets=$S4U_TARGETS"
s4u_login login carol open env close
like "$RUN_OUTPUT" 'open: Success' "a non-delegable user still logs in"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "and gets no cache"
ok "the log says why, with the fix" syslog_wait \
    'delegation to host/serverc.example.test failed for user=carol: the user is marked as not delegable, so her evidence ticket is not forwardable.*\[USER_NOT_DELEGABLE.*allow_forwardable'
ok "carol has no cache of ours" s4u_no_caches carol

# --- the jump host's own TGT is not forwardable ----------------------------------
# The host's TGT is kept between logins (host_cache=): after a change of
# the host's flags at the KDC, the admin drops it (s4uctl purge).
syslog_clear
realm_kadmin "modprinc -allow_forwardable $S4U_HOST" >/dev/null
ok "s4uctl purge drops the kept host TGT" "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/login" purge
s4u_login login alice open env close
like "$RUN_OUTPUT" 'open: Success' "with a non-forwardable host TGT the session opens"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "and gets no cache"
ok "the log blames the host TGT, not the target ACL" syslog_wait \
    'delegation to host/serverc.example.test failed for user=alice: the KDC issued the jump host a non-forwardable TGT.*\[HOST_NOT_FORWARDABLE'
realm_kadmin "modprinc +allow_forwardable $S4U_HOST" >/dev/null

# --- a user with no principal -------------------------------------------------
syslog_clear
s4u_login login dave open env close
like "$RUN_OUTPUT" 'open: Success' "a user without a principal still logs in"
ok "the log says the KDC does not know her" syslog_wait \
    'delegation failed for user=dave: the KDC has no principal for this user \[USER_UNKNOWN'

# --- the keytab is missing ----------------------------------------------------
syslog_clear
s4u_pam_service nokeytab "targets=$S4U_TARGETS" keytab=/nonexistent/krb5.keytab
s4u_login nokeytab alice open env close
like "$RUN_OUTPUT" 'open: Success' "a missing keytab does not block the login"
ok "the log names the keytab problem and the fix" syslog_wait \
    'delegation failed for user=alice: the jump host.s keytab is missing or unreadable \[KEYTAB_MISSING: FILE:/nonexistent/krb5.keytab.*fix: create it'

# --- the keytab lacks the host's key -----------------------------------------
syslog_clear
s4u_pam_service noprinc "targets=$S4U_TARGETS" principal=host/other.example.test
s4u_login noprinc alice open close
like "$RUN_OUTPUT" 'open: Success' "a wrong principal= does not block the login"
ok "the log says the keytab lacks the principal" syslog_wait \
    '\[KEYTAB_NO_PRINCIPAL: .*serverb.keytab'

# --- fail_on_error: the admin asked for failure, and nothing stays ----------
syslog_clear
S4U_CONTROL=required s4u_pam_service strict "targets=$S4U_TARGETS,HTTP/serverc.example.test" fail_on_error
s4u_login strict alice open env
like "$RUN_OUTPUT" 'open: Cannot make/remove an entry for the specified session' \
    "fail_on_error turns a partial delegation into PAM_SESSION_ERR"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "and publishes no cache"
ok "and leaves no cache behind" s4u_no_caches alice
S4U_CONTROL=required s4u_pam_service strict "targets=$S4U_TARGETS" fail_on_error
s4u_login strict alice open close
like "$RUN_OUTPUT" 'open: Success' "fail_on_error with every target allowed succeeds"

# --- an untrusted helper is refused --------------------------------------------
# (in a directory only root may change: the file itself is what is wrong)
syslog_clear
cp "$S4U_BUILD/pam_s4u_helper" "$S4U_BUILD/helper-copy" && chmod 0777 "$S4U_BUILD/helper-copy"
S4U_NO_DEFAULTS=1 s4u_pam_service badhelper "targets=$S4U_TARGETS"
sed -i "s#helper=[^ ]*#helper=$S4U_BUILD/helper-copy principal=$S4U_HOST keytab=$S4U_TEST_DIR/serverb.keytab#" \
    "$S4U_TEST_DIR/pam.d/badhelper"
s4u_login badhelper alice open env close
like "$RUN_OUTPUT" 'open: Success' "a world-writable helper does not block the login"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "and is not run"
ok "the log says why" syslog_wait \
    "\\[HELPER: unsafe helper=: file $S4U_BUILD/helper-copy is writable by others \\(mode 0777\\)"
rm -f "$S4U_BUILD/helper-copy"

# --- a stale keytab (the host's key changed at the KDC) ----------------------
syslog_clear
cp "$S4U_TEST_DIR/serverb.keytab" "$S4U_TEST_DIR/serverb.keytab.orig"
realm_kadmin "cpw -randkey $S4U_HOST" >/dev/null
ok "s4uctl purge drops the kept host TGT" "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/login" purge
s4u_login login alice open close
like "$RUN_OUTPUT" 'open: Success' "a stale keytab does not block the login"
ok "the log says the KDC rejected the key" syslog_wait '\[KEYTAB_STALE: '
rm -f "$S4U_TEST_DIR/serverb.keytab"
realm_ktadd "$S4U_HOST" "$S4U_TEST_DIR/serverb.keytab" >/dev/null

# --- the KDC is down (nothing listens) ------------------------------------
syslog_clear
dead_port=$(realm_free_port)
realm_write_krb5conf "$S4U_TEST_DIR/dead.conf" "" "127.0.0.1:$dead_port"
ns_set_krb5conf "$S4U_TEST_DIR/dead.conf"
s4u_login login alice open env close
like "$RUN_OUTPUT" 'open: Success' "with the KDC down the session opens"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "without a cache"
ok "the log says no KDC answered" syslog_wait \
    'delegation failed for user=alice: no KDC of the realm answered \[KDC_UNREACHABLE'

# --- the KDC is a black hole (takes packets, never answers) -----------------
syslog_clear
ok "the silent KDC listens" s4u_start_silent_kdc "$dead_port"
s4u_pam_service slow "targets=$S4U_TARGETS" timeout=2
s4u_login slow alice open env close
s4u_stop_silent_kdc
like "$RUN_OUTPUT" 'open: Success' "with a silent KDC the session opens after timeout="
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "without a cache"
ok "the log says the KDC did not answer in time" syslog_wait \
    'delegation failed for user=alice: the KDC did not answer within timeout= \[TIMEOUT: no answer from the KDC within 2 seconds\]'
ns_set_krb5conf "$REALM_KRB5_CONFIG"

done_testing
