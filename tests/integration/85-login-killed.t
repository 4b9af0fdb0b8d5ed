#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# 85-login-killed.t: the process running the PAM stack (the login: sshd's
# monitor, su, here pam_driver) is killed with SIGKILL while its helper
# works.  No logout will ever run for that login, so:
#   - nothing root-owned and nothing of that login stays in the user's
#     keyring (her persistent keyring, as she sees it, key by key);
#   - the helper does not linger: it ends by itself, within its timeout=;
#   - her next login works.
# While the helper runs as her, she may not read its memory, environment
# or descriptors (it is not dumpable).
#
# Two moments:
#   - while the helper talks to a slow KDC (tests/tools/delay_proxy, 1.5 s
#     each way): the helper learns at its announcement of the cache, before
#     it writes anything, that nobody reads its answer;
#   - while it writes her cache (held 3 s at an add_key(2) by strace's
#     delay injection): it finishes the write as the user, then finds that
#     nobody read its answer, and removes the cache itself, as nobody else
#     knows it.
# How long the helper outlived the login is a TAP comment; the only bound
# asserted is the one that proves it ends by itself: timeout= + a margin.
set -uo pipefail
# shellcheck source=../harness/s4u.sh
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
command -v strace >/dev/null || bail_out "strace is needed (tests/install-deps.sh)"
[[ -x ${S4U_BUILD:-}/tools/delay_proxy ]] ||
    bail_out "missing $S4U_BUILD/tools/delay_proxy (run make test-programs)"
s4u_world_start

D=$S4U_TEST_DIR
TIMEOUT=8
MARGIN=5 # scheduling on a loaded machine (and ASan in the sanitizer pass)
NR_ADD_KEY=$(s4u_syscall_nr add_key) || bail_out "cannot find add_key's syscall number"

# parent PID: PID's parent.
parent() {
    awk '$1 == "PPid:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

# shellcheck disable=SC2317 # called through s4u_wait_helper
# talks_to_kdc PID: PID, still root, has a socket besides its stdin/stdout.
talks_to_kdc() {
    local fd
    [[ $(awk '$1 == "Uid:" { print $3 }' "/proc/$1/status" 2>/dev/null) == 0 ]] || return 1
    for fd in /proc/"$1"/fd/*; do
        [[ ${fd##*/} =~ ^[0-9]+$ ]] && ((${fd##*/} > 2)) &&
            [[ $(readlink "$fd" 2>/dev/null) == socket:* ]] && return 0
    done
    return 1
}

# shellcheck disable=SC2317 # called through s4u_wait_helper
# in_add_key PID: PID runs as alice and sits in add_key (the cache write).
in_add_key() {
    [[ $(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$1/status" 2>/dev/null) == \
        "61001 61001 61001 61001" ]] &&
        [[ $(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null) == "$NR_ADD_KEY" ]]
}

# kill_login_when COND: once the helper satisfies COND, SIGKILL the login
# that runs it (its parent, pam_driver), then wait for the helper to end.
# Sets KILLED (yes/no), GONE (yes/no: the helper ended within timeout= +
# margin) and LINGER_MS (how long it outlived the login).
kill_login_when() {
    local pid login t0 i
    KILLED=no GONE=no LINGER_MS=
    pid=$(s4u_wait_helper "$1") || return 1
    login=$(parent "$pid")
    [[ $(cat "/proc/$login/comm" 2>/dev/null) == pam_driver ]] || return 1
    probe_helper "$pid"
    kill -KILL "$login" && KILLED=yes
    t0=$EPOCHREALTIME
    for ((i = 0; i < (TIMEOUT + MARGIN) * 20; i++)); do
        [[ -d /proc/$pid && $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) != Z ]] || break
        sleep 0.05
    done
    LINGER_MS=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
    [[ -d /proc/$pid && $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) != Z ]] || GONE=yes
}

# alice_may_open PATH: alice can open PATH for reading.
alice_may_open() {
    # shellcheck disable=SC2016 # the script runs in alice's shell
    as_user alice sh -c 'exec 3<"$1"' sh "$1" 2>/dev/null
}

# probe_helper PID: what alice may read of her helper, now running as her
# (it is not dumpable: the kernel refuses another process's memory,
# environment and descriptors to her, as it does to anyone but root).
# Sets PROBE to "mem=... environ=... fd=..." (each "refused" or "open").
probe_helper() {
    local what r
    PROBE=
    for what in mem environ fd; do
        r=refused
        if [[ $what == fd ]]; then
            as_user alice ls "/proc/$1/fd" >/dev/null 2>&1 && r=open
        else
            alice_may_open "/proc/$1/$what" && r=open
        fi
        PROBE+="${PROBE:+ }$what=$r"
    done
}

# her_keys USER: every key in USER's persistent keyring, the keyring itself
# included, as "uid type description", read by her in a session of her own.
# A key she may not read is listed as unreadable; a dead one (expired or
# revoked: a ticket key outlives its ticket until the kernel collects it,
# and the keyring is the machine's, shared with earlier tests) holds
# nothing anyone can use, and is left out.
her_keys() {
    # shellcheck disable=SC2016 # the script runs in the user's shell
    as_user "$1" keyctl session - sh -c '
        walk() {
            d=$(keyctl rdescribe "$1" 2>&1) || {
                case $d in *expired* | *revoked* | *"not available"*) return 0 ;; esac
                echo "unreadable key $1: $d"
                return 0
            }
            printf "%s\n" "$d" | awk -F";" "{ print \$2, \$1, \$5 }"
            case $d in keyring\;*) for k in $(keyctl rlist "$1"); do walk "$k"; done ;; esac
        }
        walk "$(keyctl get_persistent @s)"
    ' 2>/dev/null
}

# keyring_clean WHAT: TAP checks that alice's keyring holds nothing of
# root's and no cache of ours.
keyring_clean() {
    local keys
    keys=$(her_keys alice)
    like "$keys" '^61001 keyring _persistent\.61001' "$1: alice can read her persistent keyring"
    is "$(awk '$1 != 61001' <<<"$keys")" "" "$1: every key in alice's keyring is hers (none root's)"
    unlike "$keys" 's4u_' "$1: no cache of the killed login is in her keyring"
    is "$(s4u_user_keys alice | awk '$6 == 0 && /krb|s4u/')" "" \
        "$1: /proc/keys shows alice no Kerberos key of root's"
}

# next_login WHAT: her next login gets its tickets, and logout removes them.
next_login() {
    s4u_login fast alice open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
    like "$RUN_OUTPUT" 'KRB5CCNAME=KEYRING:persistent:61001:s4u_' "$1: her next login gets a cache"
    is "$(grep -c '^cred client=alice' <<<"$RUN_OUTPUT")" 2 "$1: with both tickets"
    unlike "$(her_keys alice)" 's4u_' "$1: and its logout removes it"
}

# start_login SERVICE [PREFIX...]: pam_driver for alice in the background,
# opening a session it never gets to close.
start_login() {
    local service=$1
    shift
    # In a subshell whose own stderr is dropped: bash there reports the
    # command it waits for as "Killed".
    (
        timeout 60 "$@" "$S4U_BUILD/tools/pam_driver" "$D/pam.d" "$service" alice open env close \
            >"$D/login.out" 2>&1
        :
    ) 2>/dev/null &
    LOGIN_JOB=$!
}

s4u_pam_service slow "targets=$S4U_TARGETS" timeout=$TIMEOUT
s4u_pam_service fast "targets=$S4U_TARGETS" timeout=$TIMEOUT

# --- killed while the helper talks to a slow KDC -------------------------------
ok "slow KDC: the delay proxy starts (1500 ms each way)" s4u_start_delay_proxy 1500
realm_write_krb5conf "$D/slow.conf" "" "127.0.0.1:$S4U_PROXY_PORT" || bail_out "cannot write krb5.conf"
ns_set_krb5conf "$D/slow.conf" || bail_out "cannot use krb5.conf"
syslog_clear
start_login slow
kill_login_when talks_to_kdc
wait "$LOGIN_JOB"
ns_set_krb5conf "$REALM_KRB5_CONFIG" || bail_out "cannot restore krb5.conf"
s4u_stop_delay_proxy
note "killed mid-exchange: the helper ended ${LINGER_MS} ms after the login; proxy: $S4U_PROXY_COUNTERS"
is "$KILLED" yes "slow KDC: the login is killed while its helper waits for the KDC"
is "$GONE" yes "slow KDC: the helper ends by itself within timeout= + margin"
like "$S4U_PROXY_COUNTERS" 'clients=[1-9]' "slow KDC: the helper's requests went through the proxy"
keyring_clean "killed mid-exchange"
next_login "killed mid-exchange"
s4u_clean_user alice

# --- killed while the helper writes her cache ----------------------------------
ok "alice may open her own shell's /proc/PID/mem (so a refusal below means something)" \
    as_user alice sh -c 'exec 3</proc/self/mem'

# add_key #2: the cache keyring exists, nothing in it yet; #5: the first
# ticket.  The helper was announced nothing-reading, and finishes as alice.
for n in 2 5; do
    syslog_clear
    start_login fast strace -f -qq -o /dev/null -e trace=add_key \
        -e inject="add_key:delay_enter=3000000:when=$n"
    kill_login_when in_add_key
    wait "$LOGIN_JOB"
    note "killed at add_key #$n: the helper ended ${LINGER_MS} ms after the login"
    is "$KILLED" yes "add_key #$n: the login is killed while its helper writes alice's cache"
    is "$GONE" yes "add_key #$n: the helper ends by itself"
    is "$PROBE" "mem=refused environ=refused fd=refused" \
        "add_key #$n: alice may not read her helper's memory, environment or descriptors"
    keyring_clean "killed at add_key #$n"
    next_login "killed at add_key #$n"
    s4u_clean_user alice
done

done_testing
