# shellcheck shell=bash
# s4u.sh: the standard pam-s4u test world, on top of ns.sh and realm.sh.
#
#   s4u_world_start         namespace + realm + principals + accounts + PAM dir
#   s4u_pam_service NAME [ARGS...]   write a PAM service using the built module
#   s4u_login SERVICE USER STEP...   run tests/tools/pam_driver; sets RUN_OUTPUT
#   s4u_syscall_nr NAME     the machine's number of system call NAME
#   s4u_helper_pid, s4u_wait_helper COND   the world's running helper
#   s4u_hold_session SERVICE USER NAME [VAR=VALUE]   a session held open until
#                           $S4U_TEST_DIR/NAME.go exists; sets PID, CC, REC
#   s4u_ccname              KRB5CCNAME printed by the last login's "env" step
#   s4u_dump USER CCNAME    ccdump of a cache, run as USER
#   s4u_user_keys USER      USER's keys as she sees them in /proc/keys
#   s4u_our_caches USER     the caches of ours in USER's persistent collection
#   s4u_clean_user USER     destroy USER's caches and keys (as USER)
#   s4u_policy TEXT         write TEXT as /etc/security/pam_s4u.conf (root, 0644)
#   s4u_start_delay_proxy MS [PORT]   tests/tools/delay_proxy in front of the KDC
#                           (or of 127.0.0.1:PORT), MS each way; s4u_stop_delay_proxy
#
# The world: realm EXAMPLE.TEST on a real MIT KDC with the LDAP backend.
#   host/serverb.example.test   the jump host; keytab $S4U_TEST_DIR/serverb.keytab;
#                               ok_to_auth_as_delegate; may delegate to
#                               host/serverc and cifs/serverc only
#   host/serverc, cifs/serverc, HTTP/serverc (.example.test): targets;
#                               serverc.keytab holds host/serverc
#   alice (61001), bob (61002): ordinary users with principals
#   carol (61003): principal marked -allow_forwardable (not delegable)
#   dave (61004): a local account without a principal
#
# With S4U_KDC=samba (and S4U_NS_NET=1, S4U_DNS_DOMAIN=ad.example.test set
# before sourcing), the world is an Active Directory domain instead, on a
# Samba AD DC (tests/harness/samba.sh): realm AD.EXAMPLE.TEST, the jump host
# SERVERB$ with the keytab a join writes and no principal= option, targets
# host/ and cifs/ serverc, and domain users from NSS's db source:
#   alice (62001), alice@ad.example.test (62002, SSSD's fully qualified
#   name), ADLAB\alice (62003, winbind's), alice2 (62004) and
#   alice2@corp.example.test (62005, UPN suffix corp.example.test),
#   sensitive (62006, not delegable); and a LOCAL account administrator
#   (61005, /etc/passwd) whose name is also the domain Administrator's.
# The build runs from a copy, $S4U_SAFE_DIR/build (S4U_BUILD), on a tmpfs
# private to the namespace, in directories only root may change, as the
# module demands of helper= (_s4u_copy_build).
#
# S4U_SANITIZED=1 (make check's second pass, S4U_BUILD=build-asan): every
# program of the build carries ASan+UBSan, and the options compiled into it
# (tests/tools/sanitizer_options.c) send any report to a file in
# $S4U_SAN_DIR, a directory of the namespace's own; done_testing then fails
# the test if any report is there, whichever program wrote it (the helper
# the module runs has no stderr to write to).

S4U_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
S4U_BUILD=${S4U_BUILD:-$S4U_SRC/build}
export S4U_SYSLOG_SINK=${S4U_SYSLOG_SINK:-$S4U_BUILD/tools/syslog_sink}
# shellcheck source=tests/harness/tap.sh
. "$S4U_SRC/tests/harness/tap.sh"
# shellcheck source=tests/harness/ns.sh
. "$S4U_SRC/tests/harness/ns.sh"
# shellcheck source=tests/harness/realm.sh
. "$S4U_SRC/tests/harness/realm.sh"
# shellcheck source=tests/harness/kcm.sh
. "$S4U_SRC/tests/harness/kcm.sh"
# shellcheck source=tests/harness/samba.sh
. "$S4U_SRC/tests/harness/samba.sh"

S4U_HOST=host/serverb.example.test
S4U_TARGETS=host/serverc.example.test,cifs/serverc.example.test
S4U_USERS="alice bob carol dave"
if [[ ${S4U_KDC:-mit} == samba ]]; then
    S4U_HOST=
    # shellcheck disable=SC2034 # used by the tests
    S4U_TARGETS=host/serverc.ad.example.test,cifs/serverc.ad.example.test
    S4U_USERS='alice alice@ad.example.test ADLAB\alice alice2 alice2@corp.example.test sensitive administrator'
fi

# Everything the world started is stopped here, and nothing else.
s4u_world_stop() {
    local u
    if [[ ${S4U_NS_READY:-} == 1 ]]; then
        for u in $S4U_USERS; do s4u_clean_user "$u" >/dev/null 2>&1; done
    fi
    s4u_stop_silent_kdc
    s4u_stop_delay_proxy
    proc_stop "${S4U_GSS_PID:-}" gss-server
    kcm_stop
    realm_stop
    samba_stop
    ns_teardown
    [[ ${S4U_KEEP:-} == 1 ]] || rm -rf "$S4U_TEST_DIR"
}

# s4u_world_start: call after ns_reexec, before the first test.
s4u_world_start() {
    local f
    for f in pam_s4u.so pam_s4u_helper tools/pam_driver tools/ccdump tools/syslog_sink; do
        [[ -x $S4U_BUILD/$f || -f $S4U_BUILD/$f ]] || bail_out "missing $S4U_BUILD/$f (run make test-programs)"
    done
    _s4u_san_check || bail_out "S4U_SANITIZED=1, but $S4U_BUILD is not a sanitizer build (make asan-build)"
    S4U_TEST_DIR=$(mktemp -d /tmp/s4u-test.XXXXXX) || bail_out "mktemp failed"
    export S4U_TEST_DIR
    trap s4u_world_stop EXIT
    ns_setup || bail_out "namespace setup failed"
    _s4u_copy_build || bail_out "cannot copy the build to $S4U_SAFE_DIR/build"
    # Replay caches (gss-server, sshd) go to /var/tmp: keep them private.
    mount -t tmpfs -o mode=1777 s4u-vartmp /var/tmp || bail_out "cannot mount a private /var/tmp"
    _s4u_private_policy_dirs || bail_out "cannot make /etc/security and /run private"
    if [[ ${S4U_KDC:-mit} == samba ]]; then
        _s4u_samba_world || bail_out "the Samba AD DC world did not start"
    else
        realm_start || bail_out "the test KDC did not start"
        ns_set_krb5conf "$REALM_KRB5_CONFIG" || bail_out "cannot install krb5.conf"
        _s4u_principals || bail_out "creating principals failed"
        _s4u_accounts || bail_out "creating accounts failed"
    fi
    mkdir -p "$S4U_TEST_DIR/pam.d" || bail_out "mkdir pam.d"
}

# Test users run the build's tools, but the checkout may sit where they
# cannot enter (a CI clone in a 0700 directory): work from a copy.  The
# module runs only a helper that root alone can change, below directories
# root alone can change, and /tmp (where S4U_TEST_DIR lives) is not one:
# the copy goes to a tmpfs of the namespace's own on $S4U_SAFE_DIR, root's
# and 0755 like every directory above it, owned by root and writable only
# by root whatever the umask of the build was.
S4U_SAFE_DIR=/mnt
_s4u_copy_build() {
    local to=$S4U_SAFE_DIR/build
    # Never outside the private namespace: the mount hides the machine's own.
    _ns_check_private && [[ -d $S4U_SAFE_DIR ]] || return 1
    mount -t tmpfs -o mode=0755,nosuid,nodev,size=64m s4u-safe "$S4U_SAFE_DIR" &&
        mkdir -m 0755 "$to" &&
        cp -a "$S4U_BUILD/pam_s4u.so" "$S4U_BUILD/pam_s4u_helper" "$S4U_BUILD/tools" "$to/" || return 1
    if [[ -e $S4U_BUILD/s4uctl ]]; then
        cp -a "$S4U_BUILD/s4uctl" "$to/" || return 1
    fi
    chown -R root:root "$to" && chmod -R go-w "$to" || return 1
    S4U_BUILD=$to
    export S4U_BUILD S4U_SAFE_DIR
    if [[ ${S4U_SANITIZED:-} == 1 ]]; then
        # Sticky and world-writable: a helper that became the user, and
        # the user's own commands, write their reports here too.
        mkdir -m 1777 "$S4U_SAN_DIR" && chmod 1777 "$S4U_SAN_DIR" || return 1
    fi
}

# --- the sanitizer pass (S4U_SANITIZED=1) -------------------------------------
# S4U_SAN_DIR must be the directory compiled into the build
# (S4U_SAN_REPORT_DIR in tests/tools/sanitizer_options.c).
S4U_SAN_DIR=$S4U_SAFE_DIR/s4u-sanitizer

# _s4u_san_check: when sanitized, the module really is (it leaves the
# sanitizer's symbols to the program that loads it).
_s4u_san_check() {
    [[ ${S4U_SANITIZED:-} == 1 ]] || return 0
    nm -D --undefined-only "$S4U_BUILD/pam_s4u.so" | grep __asan_report >/dev/null &&
        grep -q "$S4U_SAN_DIR" "$S4U_BUILD/pam_s4u_helper"
}

# tap_final_checks (run by done_testing): in the sanitizer pass, no
# program wrote a report.
tap_final_checks() {
    local reports
    [[ ${S4U_SANITIZED:-} == 1 ]] || return 0
    if [[ ! -d $S4U_SAN_DIR ]]; then
        fail "no ASan or UBSan report from any program (module, helper, tools)" \
            "the report directory $S4U_SAN_DIR is missing: nothing was checked"
        return 1
    fi
    reports=$(find "$S4U_SAN_DIR" -type f -name 'report.*' 2>/dev/null)
    if [[ -z $reports ]]; then
        pass "no ASan or UBSan report from any program (module, helper, tools)"
        return 0
    fi
    # shellcheck disable=SC2086 # one path a line, none with blanks
    fail "no ASan or UBSan report from any program (module, helper, tools)" \
        "$(head -n 60 $reports)"
}

# The module reads its policy in /etc/security (pam_s4u.conf(5)) and
# records open sessions below /run/pam_s4u: tests write both, in a private
# copy of /etc/security (root's, 0755, as the module demands) and a private
# /run, never the machine's.
_s4u_private_policy_dirs() {
    local etc=$S4U_TEST_DIR/etc/security
    _ns_check_private || return 1
    cp -a /etc/security "$etc" && chown root:root "$etc" && chmod 0755 "$etc" &&
        mount --bind "$etc" /etc/security || return 1
    # /run is already the namespace's own tmpfs (ns_setup).
    findmnt -rn --mountpoint /run -o FSTYPE | tail -n 1 | grep -qx tmpfs
}

_s4u_principals() {
    local p
    for p in $S4U_HOST host/serverc.example.test cifs/serverc.example.test \
        HTTP/serverc.example.test; do
        realm_addprinc "$p" >/dev/null || return 1
    done
    realm_adduser alice alice-pw >/dev/null &&
        realm_adduser bob bob-pw >/dev/null &&
        realm_adduser carol carol-pw >/dev/null &&
        realm_kadmin "modprinc -allow_forwardable carol" >/dev/null &&
        realm_ktadd "$S4U_HOST" "$S4U_TEST_DIR/serverb.keytab" >/dev/null &&
        realm_ktadd host/serverc.example.test "$S4U_TEST_DIR/serverc.keytab" >/dev/null &&
        realm_allow_protocol_transition "$S4U_HOST" >/dev/null &&
        realm_allow_delegation "$S4U_HOST" host/serverc.example.test@EXAMPLE.TEST >/dev/null &&
        realm_allow_delegation "$S4U_HOST" cifs/serverc.example.test@EXAMPLE.TEST >/dev/null
}

# The AD world: the DC, its keytabs as the jump host and the back end hold
# them, krb5.conf as a join leaves it, and the accounts (see the top).
_s4u_samba_world() {
    local u
    S4U_KRB5_CONF=$S4U_TEST_DIR/krb5-ad.conf
    samba_start &&
        cp "$SAMBA_DIR/serverb.keytab" "$S4U_TEST_DIR/serverb.keytab" &&
        cp "$SAMBA_DIR/serverc.keytab" "$S4U_TEST_DIR/serverc.keytab" &&
        samba_krb5conf "$S4U_KRB5_CONF" && ns_set_krb5conf "$S4U_KRB5_CONF" || return 1
    ns_add_domain_user alice 62001 && ns_add_domain_user alice@ad.example.test 62002 &&
        ns_add_domain_user 'ADLAB\alice' 62003 && ns_add_domain_user alice2 62004 &&
        ns_add_domain_user alice2@corp.example.test 62005 &&
        ns_add_domain_user sensitive 62006 && ns_adduser administrator 61005 || return 1
    for u in $S4U_USERS; do s4u_clean_user "$u" >/dev/null 2>&1; done
    return 0
}

_s4u_accounts() {
    ns_adduser alice 61001 alice-local-pw && ns_adduser bob 61002 &&
        ns_adduser carol 61003 && ns_adduser dave 61004 || return 1
    local u
    for u in $S4U_USERS; do s4u_clean_user "$u" >/dev/null 2>&1; done
    return 0
}

# s4u_pam_service NAME [ARGS...]: a service whose auth and session stacks
# carry pam_s4u (control $S4U_CONTROL, default optional) after pam_permit,
# as pam_unix would be, with the jump host's options plus ARGS.  Set S4U_NO_DEFAULTS=1
# to pass ARGS alone (plus helper=).
s4u_pam_service() {
    local name=$1 args
    shift
    if [[ ${S4U_NO_DEFAULTS:-} == 1 ]]; then
        args="helper=$S4U_BUILD/pam_s4u_helper $*"
    else
        args="helper=$S4U_BUILD/pam_s4u_helper ${S4U_HOST:+principal=$S4U_HOST }keytab=$S4U_TEST_DIR/serverb.keytab $*"
    fi
    cat >"$S4U_TEST_DIR/pam.d/$name" <<EOF
auth     required  pam_permit.so
auth     ${S4U_CONTROL:-optional}  $S4U_BUILD/pam_s4u.so $args
account  required  pam_permit.so
session  required  pam_permit.so
session  ${S4U_CONTROL:-optional}  $S4U_BUILD/pam_s4u.so $args
EOF
}

# s4u_login SERVICE USER STEP...: drive the PAM stack; output in RUN_OUTPUT.
s4u_login() {
    local service=$1 user=$2
    shift 2
    run timeout 60 "$S4U_BUILD/tools/pam_driver" "$S4U_TEST_DIR/pam.d" "$service" "$user" "$@"
}

# s4u_ccname: the KRB5CCNAME of the last login (from its "env" step).
s4u_ccname() {
    sed -n 's/^env: KRB5CCNAME=//p' <<<"$RUN_OUTPUT" | head -n 1
}

# s4u_dump USER CCNAME: the cache's entries, read as USER.
s4u_dump() {
    as_user "$1" "$S4U_BUILD/tools/ccdump" "$2"
}

# s4u_user_keys USER: the keys USER can see, from /proc/keys.
s4u_user_keys() {
    as_user "$1" cat /proc/keys
}

# s4u_cache_keys USER CCNAME: "type;uid;description" of the cache keyring
# and of every key in it, read by USER in a session keyring of her own.
s4u_cache_keys() {
    # shellcheck disable=SC2016 # the script runs in the user's shell
    as_user "$1" keyctl session - sh -c '
        p=$(keyctl get_persistent @s) || exit 1
        c=$(keyctl search "$p" keyring "$1") || exit 1
        keyctl rdescribe "$c" | cut -d";" -f1,2,5
        for k in $(keyctl rlist "$c"); do keyctl rdescribe "$k" | cut -d";" -f1,2,5; done
    ' sh "${2##*:}" 2>/dev/null
}

# s4u_policy TEXT: the namespace's /etc/security/pam_s4u.conf (root, 0644).
s4u_policy() {
    printf '%s\n' "$1" >/etc/security/pam_s4u.conf &&
        chown root:root /etc/security/pam_s4u.conf &&
        chmod 0644 /etc/security/pam_s4u.conf
}

# s4u_syscall_nr NAME: this machine's number of system call NAME.
s4u_syscall_nr() {
    local nr
    nr=$(printf '#include <sys/syscall.h>\nSYS_%s\n' "$1" | cc -E -P - | tail -n 1)
    [[ $nr =~ ^[0-9]+$ ]] && printf '%s\n' "$nr"
}

# s4u_helper_pid: the pid of this world's running pam_s4u_helper (the one
# in $S4U_BUILD, not another suite's).
s4u_helper_pid() {
    local pid
    for pid in $(pgrep -x pam_s4u_helper); do
        if [[ /proc/$pid/exe -ef $S4U_BUILD/pam_s4u_helper ]]; then
            printf '%s\n' "$pid"
            return 0
        fi
    done
    return 1
}

# s4u_wait_helper COND: print the helper's pid once COND PID holds (20 s at
# most).
s4u_wait_helper() {
    local i pid
    for ((i = 0; i < 400; i++)); do
        pid=$(s4u_helper_pid) && "$1" "$pid" && { printf '%s\n' "$pid"; return 0; }
        sleep 0.05
    done
    return 1
}

# s4u_hold_session SERVICE USER NAME [VAR=VALUE]: a session of USER through
# SERVICE held open by pam_driver (in the background, with VAR=VALUE in its
# environment) until "$S4U_TEST_DIR/NAME.go" exists; then it closes, its
# output in "$S4U_TEST_DIR/NAME.out".  Waits for the module's record of it;
# sets PID (the PAM application's, from the record), CC and REC.
s4u_hold_session() {
    local service=$1 user=$2 name=$3 dir=$S4U_TEST_DIR i
    local records=/run/pam_s4u/sessions
    rm -f "$dir/$name.go"
    # shellcheck disable=SC2016 # the loop runs in the user's shell
    (timeout 120 env "${4:-S4U_=}" "$S4U_BUILD/tools/pam_driver" "$dir/pam.d" "$service" \
        "$user" open env "run:while [ ! -e $dir/$name.go ]; do sleep 0.1; done" close \
        >"$dir/$name.out" 2>&1 &)
    for ((i = 0; i < 100; i++)); do
        REC=$(grep -l "^user=$user\$" $records/* 2>/dev/null | head -n 1)
        [[ -n $REC ]] && grep -q '^target=' "$REC" && break
        sleep 0.1
    done
    [[ -n $REC ]] || return 1
    PID=$(sed -n 's/^pid=//p' "$REC")
    CC=$(sed -n 's/^ccache=//p' "$REC")
    [[ -n $PID && -n $CC ]]
}

# s4u_our_caches USER: the names (s4u_<hex>) of the caches of ours in USER's
# persistent collection, complete or not (klist skips a cache without a
# principal), as she sees them; /proc/keys would also show keyrings already
# unlinked and waiting for the kernel's garbage collector.
s4u_our_caches() {
    # shellcheck disable=SC2016 # the script runs in the user's shell
    as_user "$1" keyctl session - sh -c '
        c=$(keyctl search "$(keyctl get_persistent @s)" keyring _krb 2>/dev/null) || exit 0
        for k in $(keyctl rlist "$c"); do keyctl rdescribe "$k"; done
    ' 2>/dev/null | grep -o 's4u_[0-9a-f]*$'
}

# s4u_clean_user USER: remove every cache and key of USER's, as USER.
s4u_clean_user() {
    local uid
    uid=$(id -u "$1") || return 1
    as_user "$1" KRB5CCNAME="KEYRING:persistent:$uid" kdestroy -A -q 2>/dev/null
    as_user "$1" keyctl clear @u >/dev/null 2>&1
    return 0
}

# s4u_start_silent_kdc PORT: a KDC that takes UDP packets and TCP
# connections on 127.0.0.1:PORT and never answers.  Waits until it listens;
# s4u_stop_silent_kdc (or the world's teardown) stops it.
s4u_start_silent_kdc() {
    local i
    perl -MIO::Socket::INET -e '
        my $u = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
                                      Proto => "udp") or die "udp: $!";
        my $t = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
                                      Listen => 5, ReuseAddr => 1) or die "tcp: $!";
        my @held; while (1) { my $c = $t->accept or next; push @held, $c }' "$1" &
    S4U_HOLE_PID=$!
    for ((i = 0; i < 50; i++)); do
        ss -lnu | grep -q ":$1 " && return 0
        sleep 0.1
    done
    return 1
}

s4u_stop_silent_kdc() {
    proc_stop "${S4U_HOLE_PID:-}" perl
    S4U_HOLE_PID=
}

# s4u_start_delay_proxy MS [PORT]: a proxy on a free 127.0.0.1 port that
# forwards UDP and TCP to the KDC (or to 127.0.0.1:PORT) and holds every
# packet MS milliseconds in each direction, so each exchange takes 2*MS more.
# Sets S4U_PROXY_PORT; s4u_stop_delay_proxy (or the world's teardown) stops it.
s4u_start_delay_proxy() {
    local out=$S4U_TEST_DIR/delay_proxy.out i
    [[ -z ${S4U_PROXY_PID:-} ]] || { printf 's4u.sh: a delay proxy is already running\n' >&2; return 1; }
    "$S4U_BUILD/tools/delay_proxy" --listen 127.0.0.1:0 \
        --upstream "127.0.0.1:${2:-$REALM_KDC_PORT}" --delay-ms "$1" \
        </dev/null >"$out" 2>"$S4U_TEST_DIR/delay_proxy.err" &
    S4U_PROXY_PID=$!
    for ((i = 0; i < 50; i++)); do
        S4U_PROXY_PORT=$(sed -n 's/^ready 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out" 2>/dev/null)
        [[ -z $S4U_PROXY_PORT ]] || return 0
        kill -0 "$S4U_PROXY_PID" 2>/dev/null || break
        sleep 0.1
    done
    printf 's4u.sh: delay_proxy did not start: %s\n' "$(cat "$S4U_TEST_DIR/delay_proxy.err")" >&2
    s4u_stop_delay_proxy
    return 1
}

# s4u_stop_delay_proxy: stop the proxy (by its recorded pid); its counters
# ("udp clients=N up=N down=N ...; tcp connections=N ...") go to S4U_PROXY_COUNTERS.
s4u_stop_delay_proxy() {
    [[ -n ${S4U_PROXY_PID:-} ]] || return 0
    kill -TERM "$S4U_PROXY_PID" 2>/dev/null
    wait "$S4U_PROXY_PID" 2>/dev/null
    S4U_PROXY_PID=
    S4U_PROXY_COUNTERS=$(sed -n 's/^delay_proxy: //p' "$S4U_TEST_DIR/delay_proxy.err" 2>/dev/null | tail -n 1)
}

# s4u_start_gss_server: a GSSAPI service on "serverc" holding host/serverc's key.
s4u_start_gss_server() {
    S4U_GSS_PORT=$(realm_free_port) || return 1
    gss-server -once -port "$S4U_GSS_PORT" -keytab "$S4U_TEST_DIR/serverc.keytab" \
        -logfile "$S4U_TEST_DIR/gss-server.log" host@serverc.example.test \
        >"$S4U_TEST_DIR/gss-server.out" 2>&1 &
    S4U_GSS_PID=$!
    local i
    for ((i = 0; i < 50; i++)); do
        ss -ltn | grep -q ":$S4U_GSS_PORT " && return 0
        sleep 0.1
    done
    return 1
}
