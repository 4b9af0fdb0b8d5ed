#!/usr/bin/env bash
# Hostile user names, system accounts and configuration: each is refused or
# applied as documented, with a clear log line, and never blocks a login.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start

s4u_pam_service login "targets=$S4U_TARGETS"

# --- PAM_USER values that are not login names (plain, user@domain, DOMAIN\user) ---
long=$(printf 'a%.0s' $(seq 300))
# Parallel arrays (an associative array cannot hold the empty name).
names=("alice@OTHER_REALM" "alice/admin" "" "$long" $'al\xffice' "alice:x"
    "alice,bob" $'alice\tbob' "alice bob" "-alice")
whys=("the domain after '@' is not a DNS domain name" "the user name names an instance" "the user name is empty"
    "the user name is longer than 255 bytes" "the user name is not valid UTF-8"
    "the user name contains a separator or control character"
    "the user name contains a separator or control character"
    "the user name contains a separator or control character"
    "the user name contains a separator or control character"
    "the user name starts with '-' or '.'")
is "${#names[@]}" "${#whys[@]}" "every hostile name has its expected reason"
for i in "${!names[@]}"; do
    name=${names[$i]}
    syslog_clear
    s4u_login login "$name" open env close
    like "$RUN_OUTPUT" 'open: Success' "login as hostile name #$i '${name:0:20}' still opens"
    unlike "$RUN_OUTPUT" 'KRB5CCNAME' "and delegates nothing"
    ok "the log says why ('${whys[$i]}')" syslog_wait \
        "refusing to delegate for this login: ${whys[$i]}"
done
is "$(syslog_grep 'pam_s4u.*delegated [0-9]' | wc -l)" 0 "no hostile name reached the helper"

syslog_clear
s4u_login login nosuchuser open close
ok "a name without a local account is logged" syslog_wait 'user=nosuchuser is not a local account'

# --- root and accounts below minimum_uid --------------------------------------
syslog_clear
s4u_login login root open env close
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "root gets nothing"
ok "the log says root is never impersonated" syslog_wait \
    'not delegating for user=root: uid 0 is below minimum_uid=1000'
s4u_pam_service high "targets=$S4U_TARGETS" minimum_uid=61002
syslog_clear
s4u_login high alice open env close
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "a user below minimum_uid gets nothing"
ok "the log names minimum_uid" syslog_wait \
    'not delegating for user=alice: uid 61001 is below minimum_uid=61002'
s4u_login high bob open env close
like "$RUN_OUTPUT" 'KRB5CCNAME=KEYRING:persistent:61002:s4u_' "a user at minimum_uid is delegated"

# --- unknown options are logged and ignored -------------------------------------
syslog_clear
s4u_pam_service typo "targets=$S4U_TARGETS" bogus=1 timeout=abc
s4u_login typo alice open env close
like "$RUN_OUTPUT" 'KRB5CCNAME=KEYRING' "a typo in the options does not stop delegation"
ok "the unknown option is logged" syslog_wait 'ignoring unknown option bogus'
ok "the bad value is logged" syslog_wait 'ignoring bad value for option timeout'

# --- krb5.conf [appdefaults], and PAM arguments win -----------------------------
realm_write_krb5conf "$S4U_TEST_DIR/appdefaults.conf" '[appdefaults]
    pam_s4u = {
        targets = host/serverc.example.test
        keytab = '"$S4U_TEST_DIR"'/serverb.keytab
        principal = host/serverb.example.test
    }'
ns_set_krb5conf "$S4U_TEST_DIR/appdefaults.conf"
S4U_NO_DEFAULTS=1 s4u_pam_service appdef
s4u_login appdef alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
like "$RUN_OUTPUT" 'server=host/serverc.example.test' "targets, keytab and principal come from [appdefaults]"
is "$(grep -c '^cred ' <<<"$RUN_OUTPUT")" 1 "exactly the appdefaults target"
S4U_NO_DEFAULTS=1 s4u_pam_service appdef targets=cifs/serverc.example.test
s4u_login appdef alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
like "$RUN_OUTPUT" 'server=cifs/serverc.example.test' "a PAM argument wins over [appdefaults]"
unlike "$RUN_OUTPUT" 'server=host/serverc' "and replaces it"
realm_write_krb5conf "$S4U_TEST_DIR/appdefaults-realm.conf" '[appdefaults]
    pam_s4u = {
        EXAMPLE.TEST = {
            targets = cifs/serverc.example.test
        }
        targets = host/serverc.example.test
        keytab = '"$S4U_TEST_DIR"'/serverb.keytab
        principal = host/serverb.example.test
    }'
ns_set_krb5conf "$S4U_TEST_DIR/appdefaults-realm.conf"
S4U_NO_DEFAULTS=1 s4u_pam_service appdef
s4u_login appdef alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
like "$RUN_OUTPUT" 'server=cifs/serverc.example.test' "the realm's own block wins within [appdefaults]"
ns_set_krb5conf "$REALM_KRB5_CONFIG"

# --- the default principal is host/<this host's name> -----------------------
S4U_NO_DEFAULTS=1 s4u_pam_service defprinc "targets=$S4U_TARGETS" "keytab=$S4U_TEST_DIR/serverb.keytab"
s4u_login defprinc alice open env close
like "$RUN_OUTPUT" 'KRB5CCNAME=KEYRING' "without principal=, host/$(hostname) is used"

# --- long service lines: Linux-PAM 1.5 reads 1023 characters of a line --------
# The module tells a cut line from the service file Linux-PAM read,
# /etc/pam.d/SERVICE (the namespace's own copy): these services live there,
# and pam_driver starts PAM without a directory of its own ("-").  The
# module sits at a short path so that a whole line can hold 960 bytes of
# arguments.
mount -t tmpfs -o mode=0755 s4u-srv /srv && cp "$S4U_BUILD/pam_s4u.so" /srv/pam_s4u.so ||
    bail_out "cannot put the module in /srv"
prefix="session optional /srv/pam_s4u.so "
head="${prefix}helper=$S4U_BUILD/pam_s4u_helper principal=$S4U_HOST keytab=$S4U_TEST_DIR/serverb.keytab targets="

# sys_service NAME LINE: /etc/pam.d/NAME, with LINE as its session line.
sys_service() {
    printf 'auth required pam_permit.so\naccount required pam_permit.so\nsession required pam_permit.so\n%s\n' \
        "$2" >"/etc/pam.d/$1"
}

# fillers LENGTH LAST: head, fillers, then LAST, exactly LENGTH characters.
fillers() {
    local want=$1 last=$2 out=$head i=0 pad
    while ((${#out} + 26 + ${#last} + 20 < want)); do
        out+="host/filler$i.example.test,"
        ((i++))
    done
    pad=$((want - ${#out} - ${#last} - 19))
    out+="host/$(printf 'p%.0s' $(seq "$pad")).example.test,$last"
    printf '%s' "$out"
}

# A 1003-character line with more than 960 bytes of arguments arrives whole.
line=$(fillers 1003 "$S4U_TARGETS")
is "${#line}" 1003 "a 1003-character service line"
ok "with at least 960 bytes of arguments" test $((${#line} - ${#prefix} + 1)) -ge 960
sys_service longwhole "$line"
syslog_clear
run timeout 60 "$S4U_BUILD/tools/pam_driver" - longwhole alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
like "$RUN_OUTPUT" 'server=cifs/serverc.example.test' "its last target is delegated"
ok "the login delegates" syslog_wait 'delegated 2 of [0-9]+ targets for user=alice'
is "$(syslog_grep 'Linux-PAM reads only' | wc -l)" 0 "and no cut is reported"

# A line over 1023 characters is cut inside a target: that fragment is dropped.
line="$head$S4U_TARGETS"
for i in $(seq 40); do line+=",host/filler$i.example.test"; done
sys_service longline "$line"
syslog_clear
run timeout 60 "$S4U_BUILD/tools/pam_driver" - longline alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
like "$RUN_OUTPUT" 'server=host/serverc.example.test' "the targets before the cut still work"
ok "the cut last target is named in the log" syslog_wait \
    "/etc/pam.d/longline:4: the pam_s4u.so line is ${#line} characters long, but Linux-PAM reads only the first 1023 and takes the rest for a line of its own: ignoring the cut last target \""
ok "and the fix is named" syslog_wait 'put long target lists in krb5.conf \[appdefaults\] pam_s4u'
frag=$(syslog_grep 'ignoring the cut last target' | sed -n 's/.*ignoring the cut last target "\([^"]*\)".*/\1/p' | head -n 1)
like "$frag" '^(h|ho|hos|host|host/[a-z0-9.]*)$' "the cut fragment is reported"
unlike "$frag" '^host/filler[0-9]+\.example\.test$' "and it is a fragment, not a whole target"
is "$(syslog_grep "delegation to $frag failed" | wc -l)" 0 "the fragment is never sent to the KDC"
# What the warning is about: Linux-PAM parses the rest of the line as a line
# of its own, and that broken line fails authentication.
syslog_clear
run timeout 60 "$S4U_BUILD/tools/pam_driver" - longline alice auth
like "$RUN_OUTPUT" 'auth: Permission denied' "(Linux-PAM fails authentication on a cut line)"
ok "(and logs the rest of the line as an illegal module type)" \
    syslog_wait "PAM \\(longline\\) illegal module type: "
if [[ -x $S4U_BUILD/s4uctl ]]; then
    run "$S4U_BUILD/s4uctl" --service /etc/pam.d/longline status
    like "$RUN_OUTPUT" "warning: .*ignoring the cut last target \"$frag\"" \
        "s4uctl status reports the same cut"
fi

done_testing
