#!/usr/bin/env bash
# make bench: what a pam_s4u login costs against the test realm, measured
# in the same run as two baselines:
#   kinit   one AS exchange for the host (the smallest Kerberos step);
#   kvno    the shell version of the same chain, the outcome to beat:
#           kinit -k for the host, then kvno -U USER -P targets.
# Reports milliseconds per login, ratios to the baselines, and the KDC
# requests per login counted in the KDC's own log.  Nothing here asserts
# a time: these are figures, not tests.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start >/dev/null
N=${S4U_BENCH_N:-20}
D=$S4U_TEST_DIR

targets10=$S4U_TARGETS
for i in $(seq 3 10); do
    realm_addprinc "host/bench$i.example.test" >/dev/null
    realm_allow_delegation "$S4U_HOST" "host/bench$i.example.test@EXAMPLE.TEST" >/dev/null
    targets10+=",host/bench$i.example.test"
done

now_ns() { date +%s%N; }
kdc_requests() { grep -cE '(AS|TGS)_REQ' "$REALM_DIR/kdc.log"; }

# measure LABEL cmd...: run cmd N times; print mean ms and KDC requests/run.
measure() {
    local label=$1 start end before after i
    shift
    before=$(kdc_requests)
    start=$(now_ns)
    for ((i = 0; i < N; i++)); do "$@" >/dev/null 2>&1 || { echo "bench: $label failed" >&2; return 1; }; done
    end=$(now_ns)
    after=$(kdc_requests)
    MS=$(awk -v a="$start" -v b="$end" -v n="$N" 'BEGIN { printf "%.2f", (b - a) / n / 1e6 }')
    REQ=$(awk -v a="$before" -v b="$after" -v n="$N" 'BEGIN { printf "%.1f", (b - a) / n }')
    printf '%-34s %8s ms  %5s KDC requests\n' "$label" "$MS" "$REQ"
}

base_kinit() { kinit -k -t "$D/serverb.keytab" -f -c "FILE:$D/b.cc" "$S4U_HOST"; }
base_kvno() {
    kinit -k -t "$D/serverb.keytab" -f -c "FILE:$D/b.cc" "$S4U_HOST" &&
        kvno -q -c "FILE:$D/b.cc" -U alice -P --out-cache "FILE:$D/a.cc" "${@//,/ }"
}
login() {
    local out
    out=$("$S4U_BUILD/tools/pam_driver" "$D/pam.d" "$1" alice open env close) &&
        [[ $out == *"KRB5CCNAME=KEYRING"* ]]
}

echo "pam-s4u benchmark: $N runs each, realm on loopback (MIT krb5kdc, LDAP backend)"
measure "baseline: kinit -k (1 AS)" base_kinit
k=$MS
for set in 2 10; do
    list=$S4U_TARGETS
    [[ $set == 10 ]] && list=$targets10
    # shellcheck disable=SC2086 # one argument per target
    measure "baseline: kinit + kvno -U -P ($set)" base_kvno ${list//,/ }
    v=$MS
    s4u_pam_service "bench$set" "targets=$list"
    measure "pam_s4u login open+close ($set)" login "bench$set"
    awk -v s="$MS" -v v="$v" -v k="$k" -v t="$set" 'BEGIN {
        printf "  %s targets: %.2fx the kvno chain, %.1fx one kinit\n", t, s / v, s / k }'
done
