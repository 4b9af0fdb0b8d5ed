#!/usr/bin/env bash
# When the PAM application runs setuid (here the real su(1), called by the
# unprivileged bob), the caller's KRB5_CONFIG, KRB5CCNAME and KRB5_KTNAME
# never reach Kerberos: the helper runs with an empty environment and the
# module reads krb5.conf through a secure context.  The last case shows the
# module's own layer, where MIT's secure_getenv does not apply.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start

[[ -u $(command -v su) ]] || bail_out "su is not setuid root here"
D=$S4U_TEST_DIR
common="helper=$S4U_BUILD/pam_s4u_helper principal=$S4U_HOST targets=$S4U_TARGETS"

# write_su [MODULE ARGS]: the namespace's private /etc/pam.d/su.  Anyone may
# su here (pam_permit): this namespace exists only for the test.
write_su() {
    cat >/etc/pam.d/su <<EOF
auth     sufficient  pam_rootok.so
auth     sufficient  pam_permit.so
account  required    pam_permit.so
session  required    pam_permit.so
session  optional    $S4U_BUILD/pam_s4u.so $*
EOF
}

# A krb5.conf of bob's: dead KDCs, another default realm, other targets.
cat >"$D/evil.conf" <<'EOF'
[libdefaults]
    default_realm = EVIL.TEST
[realms]
    EVIL.TEST = { kdc = 127.0.0.1:1 }
    EXAMPLE.TEST = { kdc = 127.0.0.1:1 }
[appdefaults]
    pam_s4u = {
        targets = host/evil.example.test
        ccache = FILE:/tmp/evil_%{username}
    }
EOF
chown bob "$D/evil.conf"
cp "$D/serverb.keytab" "$D/bobs.keytab" && chown bob "$D/bobs.keytab"

# --- KRB5_CONFIG and KRB5CCNAME from bob are ignored --------------------------
write_su "$common keytab=$D/serverb.keytab"
syslog_clear
# shellcheck disable=SC2016 # expanded by alice's shell inside su
run as_user bob KRB5_CONFIG="$D/evil.conf" KRB5CCNAME="FILE:$D/bob-cache" \
    KRB5_KTNAME="FILE:$D/bobs.keytab" \
    su alice -c 'echo "CC=$KRB5CCNAME"; '"$S4U_BUILD"'/tools/ccdump "$KRB5CCNAME"'
out=$RUN_OUTPUT
is "$RUN_STATUS" 0 "bob's su to alice succeeds"
like "$out" 'CC=KEYRING:persistent:61001:s4u_[0-9a-f]{16}' \
    "alice's KRB5CCNAME is pam_s4u's cache, not bob's"
is "$(grep -c '^cred ' <<<"$out")" 2 "both real targets were delegated (bob's krb5.conf was not read)"
unlike "$out" 'evil' "no target from bob's [appdefaults]"
nok "nothing was written to bob's cache path" test -e "$D/bob-cache"
nok "nothing was written to the evil ccache= path" test -e /tmp/evil_alice
cc=$(sed -n 's/^CC=//p' <<<"$out")
nok "su's session close removed the cache" s4u_dump alice "$cc"
ok "the summary is logged under the su service" syslog_wait \
    'pam_s4u\(su:session\): delegated 2 of 2 targets for user=alice'

# --- KRB5_KTNAME from bob is ignored ------------------------------------------
write_su "$common"
syslog_clear
run as_user bob KRB5_KTNAME="FILE:$D/bobs.keytab" su alice -c 'echo "CC=${KRB5CCNAME:-none}"'
is "$RUN_STATUS" 0 "su still succeeds without a usable keytab"
like "$RUN_OUTPUT" 'CC=none' "no tickets: bob's keytab was not used"
ok "the default keytab was used, and its absence is logged" syslog_wait \
    'KEYTAB_MISSING: FILE:/etc/krb5.keytab'
is "$(syslog_grep 'bobs.keytab' | wc -l)" 0 "bob's keytab name never appears"

# --- pam_s4u's own layer: even a root application's environment is ignored --
# MIT's secure_getenv already hides these variables from setuid callers; a
# PAM application running as real root (a daemon that inherited a bad
# environment) gets no such help, so the module must not pass them on.
s4u_pam_service envtest "targets=$S4U_TARGETS"
syslog_clear
run env KRB5_CONFIG="$D/evil.conf" KRB5CCNAME="FILE:$D/root-env-cache" \
    KRB5_KTNAME="FILE:$D/bobs.keytab" "$S4U_BUILD/tools/pam_driver" "$D/pam.d" envtest alice \
    open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
out=$RUN_OUTPUT
like "$out" 'KRB5CCNAME=KEYRING:persistent:61001:s4u_' "a root application's KRB5CCNAME is not used"
is "$(grep -c '^cred ' <<<"$out")" 2 "nor its KRB5_CONFIG (dead KDCs, other targets)"
unlike "$out" 'evil' "no target from that krb5.conf's [appdefaults]"
nok "nothing was written to that KRB5CCNAME" test -e "$D/root-env-cache"

done_testing
