#!/usr/bin/env bash
# make bench: what a pam_s4u login costs, as one table, every figure from
# the same run against the test realm (MIT krb5kdc, LDAP backend, one KDC
# process), with tests/tools/delay_proxy in front of the KDC for RTT > 0:
#
#   - wall time per login through the real PAM stack (tests/tools/pam_driver:
#     pam_open_session + pam_close_session, i.e. delegate, then remove the
#     cache) for 1, 10 and 50 targets, at RTT 0 and RTT $S4U_BENCH_RTT ms,
#     with the jump host's TGT cold (purged before each login) or warm
#     (kept from an earlier login, host_cache=);
#   - baselines at the same RTTs: the sequential MIT-tools chain (kinit -k
#     for the host, then kvno -U alice -P TARGET...), a login through a PAM
#     service without pam_s4u, and a password kinit (what pam_krb5 costs);
#   - KDC requests per login, counted in the KDC's own log;
#   - AS exchanges (TGTs issued to the jump host) for 100 sequential logins;
#   - a burst of $S4U_BENCH_BURST concurrent logins from cold: how many got
#     their tickets, the time until all were done, and the AS exchanges;
#   - 50 targets warm against a second KDC on the same database with
#     kdc_tcp_listen_backlog = 64 (kdc.conf [kdcdefaults]; MIT's default 5
#     queues only 6 new TCP connections), with max_parallel=6, 16 and 32;
#   - 50 targets warm against the realm's KDC (default backlog) with
#     udp_preference_limit = 65535 in krb5.conf [libdefaults], so that
#     S4U2proxy goes over UDP, with max_parallel=6 and 32 (not a default:
#     see docs/performance.md).
#
# 50 tickets do not fit a user's default keyring quota (kernel.keys.maxbytes
# 20000): the bench raises kernel.keys.maxkeys and maxbytes for its run and
# restores them on exit, and says so.  Those are machine-wide settings, so
# run it while no test runs (on a shared machine, under the test lock).
# Nothing here asserts a time: these are figures, not tests.
#
#   S4U_BENCH_N=20       logins per figure
#   S4U_BENCH_RTT=10     the RTT in milliseconds for the second column
#   S4U_BENCH_BURST=100  concurrent logins in the burst
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"

N=${S4U_BENCH_N:-20}
RTT=${S4U_BENCH_RTT:-10}
BURST=${S4U_BENCH_BURST:-100}
[[ $N =~ ^[1-9][0-9]*$ && $RTT =~ ^[0-9]+$ && $BURST =~ ^[1-9][0-9]*$ ]] ||
    bail_out "S4U_BENCH_N, S4U_BENCH_RTT, S4U_BENCH_BURST must be numbers"

# --- the keyring quota, raised for the run and restored ----------------------------
KEYS=/proc/sys/kernel/keys
SAVED_MAXKEYS=$(cat "$KEYS/maxkeys") && SAVED_MAXBYTES=$(cat "$KEYS/maxbytes") ||
    bail_out "cannot read $KEYS"
restore_quota() {
    echo "$SAVED_MAXKEYS" >"$KEYS/maxkeys"
    echo "$SAVED_MAXBYTES" >"$KEYS/maxbytes"
}

s4u_world_start >/dev/null
trap 'restore_quota; s4u_world_stop' EXIT
echo 5000 >"$KEYS/maxkeys" && echo 5000000 >"$KEYS/maxbytes" || bail_out "cannot raise the keyring quota"

D=$S4U_TEST_DIR
DIR=/run/pam_s4u
HOST_RE="AS_REQ.*ISSUE.*$S4U_HOST@EXAMPLE.TEST for krbtgt"

# --- 50 delegable targets -----------------------------------------------------------
TARGETS=()
for i in $(seq -w 1 50); do
    t=host/bench$i.example.test
    realm_addprinc "$t" >/dev/null && realm_allow_delegation "$S4U_HOST" "$t@EXAMPLE.TEST" >/dev/null ||
        bail_out "cannot add $t"
    TARGETS+=("$t")
done
# targets N: the first N targets, comma-separated.
targets() {
    local IFS=,
    printf '%s\n' "${TARGETS[*]:0:$1}"
}
# The target lists are long: krb5.conf [appdefaults] would do in production;
# here each count has its own PAM service (well below Linux-PAM's 1 KiB line).
for n in 1 10; do s4u_pam_service "t$n" "targets=$(targets "$n")"; done
APPDEFAULTS="[appdefaults]
    pam_s4u = {
        targets = $(targets 50)
    }"
s4u_pam_service t50
printf 'auth required pam_permit.so\naccount required pam_permit.so\nsession required pam_permit.so\n' \
    >"$D/pam.d/plain"

# --- krb5.conf: the KDC directly (RTT 0) or through the delay proxy -----------------
# KDC_PORT and KDC_LOG: the KDC measured (the realm's, or the one with the
# larger TCP backlog below).
KDC_PORT=$REALM_KDC_PORT
KDC_LOG=$REALM_DIR/kdc.log
use_rtt() {
    local kdc=127.0.0.1:$KDC_PORT
    s4u_stop_delay_proxy
    if (($1 > 0)); then
        s4u_start_delay_proxy $(($1 / 2)) "$KDC_PORT" || bail_out "the delay proxy did not start"
        kdc=127.0.0.1:$S4U_PROXY_PORT
    fi
    realm_write_krb5conf "$D/bench.conf" "$APPDEFAULTS${UDP_CONF:-}" "$kdc" &&
        ns_set_krb5conf "$D/bench.conf" || bail_out "cannot write krb5.conf"
}

kdc_requests() { grep -cE '(AS|TGS)_REQ' "$KDC_LOG"; }
as_count() { grep -cE "$HOST_RE" "$KDC_LOG"; }
purge() { [[ ! -d $DIR ]] || find "$DIR" -maxdepth 1 -type f -delete; }
nothing() { :; }

# The things measured; each fails if it did not do its job.
login() {
    "$S4U_BUILD/tools/pam_driver" "$D/pam.d" "$1" alice open env close >"$D/login.out" 2>&1 &&
        grep -q 'KRB5CCNAME=KEYRING' "$D/login.out"
}
plain_login() { "$S4U_BUILD/tools/pam_driver" "$D/pam.d" plain alice open close; }
chain() {
    kinit -k -t "$D/serverb.keytab" -f -c "FILE:$D/b.cc" "$S4U_HOST" &&
        kvno -q -c "FILE:$D/b.cc" -U alice -P --out-cache "FILE:$D/a.cc" "${TARGETS[@]:0:$1}"
}
password_kinit() { printf 'alice-pw\n' | kinit -c "FILE:$D/p.cc" alice >/dev/null; }

# measure PREP CMD...: N runs of CMD, each after PREP (not timed).  Sets MS
# (mean wall ms per run), REQ (KDC requests per run) and AS (host AS
# exchanges per run), counted over the timed runs only.
measure() {
    local prep=$1 i t0 t1 total=0 req=0 as=0 r0 a0
    shift
    for ((i = 0; i < N; i++)); do
        "$prep"
        r0=$(kdc_requests) a0=$(as_count)
        t0=$EPOCHREALTIME
        "$@" >/dev/null 2>&1 ||
            bail_out "bench: '$*' failed: $(cat "$D/login.out" 2>/dev/null; tail -n 5 "$D/syslog")"
        t1=$EPOCHREALTIME
        total=$((total + ${t1/./} - ${t0/./}))
        req=$((req + $(kdc_requests) - r0)) as=$((as + $(as_count) - a0))
    done
    MS=$(awk -v t="$total" -v n="$N" 'BEGIN { printf "%.1f", t / n / 1000 }')
    REQ=$(awk -v r="$req" -v n="$N" 'BEGIN { printf "%.1f", r / n }')
    AS=$(awk -v r="$as" -v n="$N" 'BEGIN { printf "%.2f", r / n }')
}

# check_targets N [SERVICE]: check once, untimed, that a login through
# SERVICE (default tN) delegates every one of N targets.
check_targets() {
    local out
    purge
    out=$("$S4U_BUILD/tools/pam_driver" "$D/pam.d" "${2:-t$1}" alice open env \
        "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close 2>&1)
    [[ $(grep -c '^cred ' <<<"$out") == "$1" ]] ||
        bail_out "a login with $1 targets did not get $1 tickets: $out"
}

declare -A CELL
# row KEY PREP CMD...: measure at both RTTs into CELL[KEY,rtt].
run_row() {
    local key=$1 rtt
    shift
    for rtt in 0 "$RTT"; do
        use_rtt "$rtt"
        measure "$@"
        CELL[$key,$rtt]="$MS ms, $REQ req"
        CELL[$key,$rtt,ms]=$MS
        CELL[$key,$rtt,as]=$AS
        printf '# %-28s RTT %3s ms: %8s ms  %5s KDC requests  %s AS\n' "$key" "$rtt" "$MS" "$REQ" "$AS" >&2
    done
}

printf '# pam-s4u benchmark: %s runs per figure; RTT %s ms through tests/tools/delay_proxy\n' "$N" "$RTT" >&2
printf '# kernel.keys.maxkeys %s -> 5000, maxbytes %s -> 5000000 for this run (restored at exit)\n' \
    "$SAVED_MAXKEYS" "$SAVED_MAXBYTES" >&2
use_rtt 0
for n in 1 10 50; do check_targets "$n"; done

for n in 1 10 50; do
    run_row "cold$n" purge login "t$n"
    s4u_clean_user alice
    run_row "warm$n" nothing login "t$n"
    s4u_clean_user alice
done
for n in 1 10 50; do run_row "chain$n" nothing chain "$n"; done
run_row plain nothing plain_login
run_row kinit nothing password_kinit

# --- a KDC that queues 65 new TCP connections, and more requests in flight ------------
# kdc_tcp_listen_backlog has no per-realm form: a second krb5kdc on the same
# database, with the line added to a copy of the realm's kdc.conf.
sed -i 's/^\[kdcdefaults\]$/&\n    kdc_tcp_listen_backlog = 64/' "$REALM_KDC_PROFILE" &&
    grep -q 'kdc_tcp_listen_backlog = 64' "$REALM_KDC_PROFILE" || bail_out "cannot set kdc_tcp_listen_backlog"
BIG_PORT=$(realm_free_port) && realm_extra_kdc_start "$BIG_PORT" || bail_out "the second KDC did not start"
grep -q 'kdc_tcp_listen_backlog = 64' "$REALM_DIR/kdc-extra.conf" || bail_out "the second KDC has no larger backlog"
KDC_PORT=$BIG_PORT KDC_LOG=$REALM_DIR/kdc-extra.log
for p in 6 16 32; do
    s4u_pam_service "t50p$p" "max_parallel=$p"
    use_rtt 0
    check_targets 50 "t50p$p"
    run_row "big50p$p" nothing login "t50p$p"
    s4u_clean_user alice
done
KDC_PORT=$REALM_KDC_PORT KDC_LOG=$REALM_DIR/kdc.log

# --- S4U2proxy over UDP: the realm's KDC, krb5.conf udp_preference_limit raised ---------
UDP_CONF=$'\n[libdefaults]\n    udp_preference_limit = 65535'
use_rtt 0
grep -q 'udp_preference_limit = 65535' "$D/bench.conf" || bail_out "cannot set udp_preference_limit"
for p in 6 32; do
    check_targets 50 "t50p$p"
    run_row "udp50p$p" nothing login "t50p$p"
    s4u_clean_user alice
done
UDP_CONF=

# --- AS exchanges over 100 sequential logins, from cold -------------------------------
use_rtt 0
purge
a0=$(as_count)
for ((i = 0; i < 100; i++)); do login t1 || bail_out "sequential login $i failed"; done
SEQ_AS=$(($(as_count) - a0))
s4u_clean_user alice

# --- a burst of concurrent logins, from cold ------------------------------------------
purge
s4u_pam_service burst "targets=$S4U_TARGETS"
a0=$(as_count) r0=$(kdc_requests)
t0=$EPOCHREALTIME
pids=()
for ((i = 0; i < BURST; i++)); do
    "$S4U_BUILD/tools/pam_driver" "$D/pam.d" burst alice open env \
        "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" >"$D/burst.$i" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
t1=$EPOCHREALTIME
BURST_MS=$(((${t1/./} - ${t0/./}) / 1000))
BURST_AS=$(($(as_count) - a0)) BURST_REQ=$(($(kdc_requests) - r0))
BURST_OK=0
for ((i = 0; i < BURST; i++)); do
    [[ $(grep -c '^cred ' "$D/burst.$i") == 2 ]] && BURST_OK=$((BURST_OK + 1))
done
s4u_clean_user alice

# --- the table -----------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
cat <<EOF
pam-s4u benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, N=$N per figure)
kernel.keys.maxkeys/maxbytes raised from $SAVED_MAXKEYS/$SAVED_MAXBYTES to 5000/5000000 for this run, restored at exit.

| per login (mean wall time, KDC requests) | RTT 0 | RTT $RTT ms |
|---|---|---|
| pam_s4u, 1 target, host TGT cold | ${CELL[cold1,0]} | ${CELL[cold1,$RTT]} |
| pam_s4u, 1 target, host TGT warm | ${CELL[warm1,0]} | ${CELL[warm1,$RTT]} |
| pam_s4u, 10 targets, host TGT cold | ${CELL[cold10,0]} | ${CELL[cold10,$RTT]} |
| pam_s4u, 10 targets, host TGT warm | ${CELL[warm10,0]} | ${CELL[warm10,$RTT]} |
| pam_s4u, 50 targets, host TGT cold | ${CELL[cold50,0]} | ${CELL[cold50,$RTT]} |
| pam_s4u, 50 targets, host TGT warm | ${CELL[warm50,0]} | ${CELL[warm50,$RTT]} |
| MIT chain kinit -k + kvno -U -P, 1 target | ${CELL[chain1,0]} | ${CELL[chain1,$RTT]} |
| MIT chain kinit -k + kvno -U -P, 10 targets | ${CELL[chain10,0]} | ${CELL[chain10,$RTT]} |
| MIT chain kinit -k + kvno -U -P, 50 targets | ${CELL[chain50,0]} | ${CELL[chain50,$RTT]} |
| login without pam_s4u (pam_permit) | ${CELL[plain,0]} | ${CELL[plain,$RTT]} |
| password kinit (what pam_krb5 costs) | ${CELL[kinit,0]} | ${CELL[kinit,$RTT]} |
| pam_s4u, 50 targets, warm; KDC backlog 64, max_parallel=6 | ${CELL[big50p6,0]} | ${CELL[big50p6,$RTT]} |
| pam_s4u, 50 targets, warm; KDC backlog 64, max_parallel=16 | ${CELL[big50p16,0]} | ${CELL[big50p16,$RTT]} |
| pam_s4u, 50 targets, warm; KDC backlog 64, max_parallel=32 | ${CELL[big50p32,0]} | ${CELL[big50p32,$RTT]} |
| pam_s4u, 50 targets, warm; S4U2proxy over UDP, max_parallel=6 | ${CELL[udp50p6,0]} | ${CELL[udp50p6,$RTT]} |
| pam_s4u, 50 targets, warm; S4U2proxy over UDP, max_parallel=32 | ${CELL[udp50p32,0]} | ${CELL[udp50p32,$RTT]} |

| figure | value |
|---|---|
| AS exchanges per warm login (1/10/50 targets, RTT 0) | ${CELL[warm1,0,as]} / ${CELL[warm10,0,as]} / ${CELL[warm50,0,as]} |
| AS exchanges for 100 sequential logins, from cold | $SEQ_AS |
| burst of $BURST concurrent logins from cold: got both tickets | $BURST_OK of $BURST |
| burst: time until all were done | $BURST_MS ms |
| burst: AS exchanges / KDC requests | $BURST_AS / $BURST_REQ |
| 50 targets warm: RTT $RTT ms minus RTT 0 | $(delta "${CELL[warm50,$RTT,ms]}" "${CELL[warm50,0,ms]}") ms (target: at most 2 RTT + 15 ms = $((2 * RTT + 15)) ms) |
| the same, KDC backlog 64, max_parallel=6 / 16 / 32 | $(delta "${CELL[big50p6,$RTT,ms]}" "${CELL[big50p6,0,ms]}") / $(delta "${CELL[big50p16,$RTT,ms]}" "${CELL[big50p16,0,ms]}") / $(delta "${CELL[big50p32,$RTT,ms]}" "${CELL[big50p32,0,ms]}") ms |
| the same, S4U2proxy over UDP, max_parallel=6 / 32 | $(delta "${CELL[udp50p6,$RTT,ms]}" "${CELL[udp50p6,0,ms]}") / $(delta "${CELL[udp50p32,$RTT,ms]}" "${CELL[udp50p32,0,ms]}") ms |
| 50 targets at RTT $RTT ms: MIT chain / pam_s4u warm | $(ratio "${CELL[chain50,$RTT,ms]}" "${CELL[warm50,$RTT,ms]}")x (target: at least 10x) |
| 10 targets at RTT $RTT ms: MIT chain / pam_s4u warm | $(ratio "${CELL[chain10,$RTT,ms]}" "${CELL[warm10,$RTT,ms]}")x |
EOF
