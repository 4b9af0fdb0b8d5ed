#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# 80-faults.t: the KDC misbehaves for real, and the login still opens on
# time with a log line an admin can act on.
#
#   - a KDC slower than timeout= (tests/tools/delay_proxy in front of it),
#     and one that is slow but well within it;
#   - two KDCs in krb5.conf, the first dead (refusing), or silent;
#   - the KDC's LDAP directory (slapd) down, and back;
#   - the KDC's clock an hour ahead (libfaketime), with and without MIT's
#     kdc_timesync correction.
#
# Timings are TAP comments. The only timing asserted is the bound that
# proves timeout= holds: timeout= + the module's grace (GRACE_SECONDS in
# pam_module/spawn.c) + a margin for a loaded machine.
# Every fault is undone before the next one (krb5.conf, slapd, the extra
# KDC, the proxy), so later tests can be added at the end.
set -uo pipefail
# shellcheck source=../harness/s4u.sh
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
[[ -x ${S4U_BUILD:-}/tools/delay_proxy ]] ||
    bail_out "missing $S4U_BUILD/tools/delay_proxy (run make test-programs)"
realm_faketime_lib >/dev/null ||
    bail_out "libfaketime is missing: install the Debian package faketime (tests/install-deps.sh)"
s4u_world_start

GRACE=5  # pam_module/spawn.c GRACE_SECONDS
MARGIN=3 # scheduling on a loaded machine
S4U_ONE_TARGET=host/serverc.example.test

# timed_login SERVICE USER STEP...: s4u_login, with its wall time in
# ELAPSED_MS and ELAPSED ("1.234 s").
timed_login() {
    local t0=$EPOCHREALTIME t1
    s4u_login "$@"
    t1=$EPOCHREALTIME
    ELAPSED_MS=$(((${t1/./} - ${t0/./}) / 1000))
    ELAPSED=$(printf '%d.%03d s' $((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000)))
}

# within_ms LIMIT_MS: the last login took at most LIMIT_MS.
# shellcheck disable=SC2317 # called through ok
within_ms() {
    ((ELAPSED_MS <= $1)) || { printf 'took %s ms, bound %s ms\n' "$ELAPSED_MS" "$1"; return 1; }
}

# use_krb5conf [EXTRA [KDC...]]: the namespace's krb5.conf, rewritten.
use_krb5conf() {
    realm_write_krb5conf "$S4U_TEST_DIR/fault.conf" "$@" &&
        ns_set_krb5conf "$S4U_TEST_DIR/fault.conf"
}

restore_krb5conf() {
    ns_set_krb5conf "$REALM_KRB5_CONFIG" || bail_out "cannot restore krb5.conf"
}

s4u_pam_service t2 "targets=$S4U_TARGETS" timeout=2
s4u_pam_service t3one "targets=$S4U_ONE_TARGET" timeout=3
s4u_pam_service t10 "targets=$S4U_TARGETS" timeout=10

# --- baseline, for comparison --------------------------------------------
syslog_clear
timed_login t2 alice open env close
like "$RUN_OUTPUT" 'KRB5CCNAME=KEYRING:' "baseline: a login against the KDC directly gets a cache"
note "baseline (KDC directly, 2 targets): $ELAPSED"

# --- a KDC slower than timeout= ---------------------------------------------
# 3 s each way: no answer can arrive within timeout=2.
syslog_clear
ok "slow KDC: the delay proxy starts (3000 ms each way)" s4u_start_delay_proxy 3000
use_krb5conf "" "127.0.0.1:$S4U_PROXY_PORT" || bail_out "cannot write krb5.conf"
timed_login t2 alice open env close
s4u_stop_delay_proxy
restore_krb5conf
note "slow KDC (RTT 6 s), timeout=2: login took $ELAPSED; proxy: $S4U_PROXY_COUNTERS"
like "$RUN_OUTPUT" 'open: Success' "slow KDC: the session opens"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "slow KDC: without a cache"
ok "slow KDC: the login ends within timeout= + grace + margin" \
    within_ms $(((2 + GRACE + MARGIN) * 1000))
like "$S4U_PROXY_COUNTERS" 'udp clients=[1-9]|tcp connections=[1-9]' "slow KDC: the requests went through the proxy"
ok "slow KDC: the helper's own timeout fired, and the log says how to fix it" syslog_wait \
    'delegation failed for user=alice: the KDC did not answer within timeout= \[TIMEOUT: no answer from the KDC within 2 seconds\]; fix: check the KDC.s health and the network, or raise timeout='

# --- a KDC slow, but well within timeout= ------------------------------------
syslog_clear
ok "moderately slow KDC: the delay proxy starts (200 ms each way)" s4u_start_delay_proxy 200
use_krb5conf "" "127.0.0.1:$S4U_PROXY_PORT" || bail_out "cannot write krb5.conf"
timed_login t10 alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
s4u_stop_delay_proxy
restore_krb5conf
note "moderately slow KDC (RTT 400 ms), timeout=10: login took $ELAPSED; proxy: $S4U_PROXY_COUNTERS"
like "$RUN_OUTPUT" 'open: Success' "moderately slow KDC: the session opens"
is "$(grep -c '^cred ' <<<"$RUN_OUTPUT")" 2 "moderately slow KDC: both targets are delegated"
like "$S4U_PROXY_COUNTERS" 'udp clients=[1-9][0-9]* up=[1-9]|tcp connections=[1-9][0-9]* refused=0 failed=0 bytes up=[1-9]' \
    "moderately slow KDC: the exchanges went through the proxy"
ok "moderately slow KDC: the log says all went well" syslog_wait 'delegated 2 of 2 targets for user=alice'

# --- two KDCs, the first refusing (nothing listens on its port) ---------------
syslog_clear
dead_port=$(realm_free_port) || bail_out "no free port"
use_krb5conf "" "127.0.0.1:$dead_port 127.0.0.1:$REALM_KDC_PORT" || bail_out "cannot write krb5.conf"
timed_login t2 alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
note "first KDC refusing, second working, timeout=2: login took $ELAPSED"
like "$RUN_OUTPUT" 'open: Success' "dead first KDC: the session opens"
is "$(grep -c '^cred ' <<<"$RUN_OUTPUT")" 2 "dead first KDC: the second KDC delegates both targets"
ok "dead first KDC: within timeout= (it got its tickets, so the helper's timeout did not fire)" \
    within_ms $((2 * 1000 + MARGIN * 1000))
ok "dead first KDC: the log says all went well" syslog_wait 'delegated 2 of 2 targets for user=alice'

# --- two KDCs, the first silent (takes packets, never answers) ---------------
# MIT waits for a silent KDC 1 s per exchange over UDP and 10 s over TCP
# before it asks the next; S4U2self goes over TCP (too large for UDP), so
# timeout=3 runs out before the second KDC is asked for it.
syslog_clear
ok "silent first KDC: it listens" s4u_start_silent_kdc "$dead_port"
use_krb5conf "" "127.0.0.1:$dead_port 127.0.0.1:$REALM_KDC_PORT" || bail_out "cannot write krb5.conf"
timed_login t3one alice open env close
s4u_stop_silent_kdc
restore_krb5conf
note "first KDC silent, second working, timeout=3: login took $ELAPSED"
like "$RUN_OUTPUT" 'open: Success' "silent first KDC: the session opens"
ok "silent first KDC: the login ends within timeout= + grace + margin" \
    within_ms $(((3 + GRACE + MARGIN) * 1000))
ok "silent first KDC: the log says the KDC did not answer in time" syslog_wait \
    'delegation failed for user=alice: the KDC did not answer within timeout= \[TIMEOUT: no answer from the KDC within 3 seconds\]'

# --- the KDC's LDAP directory is down ---------------------------------------
syslog_clear
ok "LDAP down: slapd stops" realm_ldap_stop
timed_login t2 alice open env close
note "slapd down, timeout=2: login took $ELAPSED"
like "$RUN_OUTPUT" 'open: Success' "LDAP down: the session opens"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "LDAP down: without a cache"
ok "LDAP down: within timeout= + grace + margin" within_ms $(((2 + GRACE + MARGIN) * 1000))
ok "LDAP down: the log blames the KDC's database, with the fix" syslog_wait \
    'delegation failed for user=alice: the KDC answered but could not process the request \(.*LDAP directory.*\) \[KDC_ERROR: getting the jump host.s ticket: Generic error \(see e-text\)\]; fix: read the KDC.s log .*; MIT: systemctl status slapd'
ok "LDAP down: the KDC's own log names the LDAP failure" \
    grep -q 'LOOKING_UP_CLIENT: .*LDAP handle unavailable' "$REALM_DIR/kdc.log"
ok "LDAP down: slapd starts again and the KDC answers again" realm_ldap_start
syslog_clear
timed_login t2 alice open env close
note "slapd back: login took $ELAPSED"
like "$RUN_OUTPUT" 'KRB5CCNAME=KEYRING:' "LDAP back: logins get tickets again"

# --- clock skew: the KDC's clock one hour ahead -----------------------------
# A second KDC over the same database, under libfaketime, stands for a jump
# host whose clock is an hour behind.
skew_port=$(realm_free_port) || bail_out "no free port"
ok "clock skew: a KDC one hour ahead starts" realm_extra_kdc_start "$skew_port" \
    LD_PRELOAD="$(realm_faketime_lib)" FAKETIME=+1h FAKETIME_DONT_FAKE_MONOTONIC=1
# By default (kdc_timesync = 1) MIT's library adopts the KDC's time.
syslog_clear
use_krb5conf "" "127.0.0.1:$skew_port" || bail_out "cannot write krb5.conf"
timed_login t2 alice open env
skew_cc=$(s4u_ccname)
note "KDC +1 h, kdc_timesync default: login took $ELAPSED"
like "$RUN_OUTPUT" 'KRB5CCNAME=KEYRING:' "clock skew, kdc_timesync on (the default): the login gets its tickets"
like "$(s4u_cache_keys alice "$skew_cc")" '__krb5_time_offsets__' \
    "clock skew: the user's cache carries the KDC's time offset, so her tickets work from here"
s4u_clean_user alice
# With kdc_timesync = 0 the skew is an error, and the log says what to do.
syslog_clear
use_krb5conf $'[libdefaults]\n    kdc_timesync = 0' "127.0.0.1:$skew_port" || bail_out "cannot write krb5.conf"
timed_login t2 alice open env close
note "KDC +1 h, kdc_timesync = 0: login took $ELAPSED"
like "$RUN_OUTPUT" 'open: Success' "clock skew, kdc_timesync = 0: the session opens"
unlike "$RUN_OUTPUT" 'KRB5CCNAME' "clock skew, kdc_timesync = 0: without a cache"
ok "clock skew: the log says clock skew and how to fix it (NTP)" syslog_wait \
    'delegation failed for user=alice: the jump host.s clock and the KDC.s differ by more than the allowed clock skew .*\[CLOCK_SKEW: getting the jump host.s ticket: Clock skew too great in KDC reply\]; fix: synchronise the jump host.s clock with the KDC.s by NTP \(chrony'
restore_krb5conf
ok "clock skew: the extra KDC stops" realm_extra_kdc_stop

# --- everything is back -------------------------------------------------------
syslog_clear
timed_login t2 alice open env close
like "$RUN_OUTPUT" 'KRB5CCNAME=KEYRING:' "after all faults, a login gets its tickets again"

done_testing
