#!/usr/bin/env bash
# Log injection: text nobody on the jump host chose reaches the log only
# as visible escapes.  A target name may hold any UTF-8 (principals do), and
# the KDC's answer about it is logged; terminal controls (ANSI escapes, C1
# CSI and NEL, bidi overrides and isolates, line separators, a BOM) must not
# reach syslog as themselves, where an admin's terminal would run them.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start

c1_csi=$'\xc2\x9b'
nel=$'\xc2\x85'
rlo=$'\xe2\x80\xae'
lri=$'\xe2\x81\xa6'
lsep=$'\xe2\x80\xa8'
bom=$'\xef\xbb\xbf'
hostile="HTTP/${c1_csi}31m${rlo}evil${lri}${nel}x${lsep}${bom}.example.test"

s4u_pam_service hostile "targets=host/serverc.example.test,$hostile"
s4u_login hostile alice open env close
like "$RUN_OUTPUT" 'open: Success' "a hostile target does not stop the login"
ok "the hostile target's failure is logged" syslog_wait 'delegation to HTTP/.*evil.* failed for user=alice'
log=$(cat "$S4U_TEST_DIR/syslog")
for pair in "C1 CSI:$c1_csi" "C1 NEL:$nel" "bidi override:$rlo" "bidi isolate:$lri" \
    "line separator:$lsep" "byte order mark:$bom"; do
    name=${pair%%:*}
    char=${pair#*:}
    ok "no raw $name in the log" sh -c '! grep -qF -- "$1" "$2"' - "$char" "$S4U_TEST_DIR/syslog"
done
like "$log" 'HTTP/\\u\{009B\}31m\\u\{202E\}evil\\u\{2066\}\\u\{0085\}x\\u\{2028\}\\u\{FEFF\}\.example\.test' \
    "the target is shown with visible escapes"
ok "the allowed target was still delegated" syslog_wait 'delegated 1 of 2 targets for user=alice'
done_testing
