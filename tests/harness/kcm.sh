# shellcheck shell=bash
# kcm.sh: a real sssd-kcm (Debian's package) for one test, in the test's
# own mount namespace, on the default socket MIT's KCM client uses.
#
#   kcm_start     checks that /run is the test's own; private
#                 /var/lib/sss and /etc/sssd; sssd.conf with only [kcm];
#                 start sssd_kcm and wait for /run/.heim_org.h5l.kcm-socket
#   kcm_stop      stop that sssd_kcm by its recorded pid (also at teardown)
#   kcm_krb5conf  make /etc/krb5.conf the realm's with default_ccache_name = KCM:
#   krb5conf_default_ccache NAME   the same with default_ccache_name = NAME
#
# KCM caches belong to the uid that connects to the socket; the daemon keeps
# them in /var/lib/sss/secrets, here a tmpfs of the namespace, so nothing of
# the machine's (nor a system sssd a package install may have started) is
# used or touched.  Needs ns.sh (and s4u.sh for kcm_krb5conf).

KCM_SSSD=/usr/libexec/sssd/sssd_kcm
KCM_SOCKET=/run/.heim_org.h5l.kcm-socket
KCM_PID=

_kcm_err() {
    printf 'kcm.sh: %s\n' "$*" >&2
}

# /run must be a tmpfs of the namespace's own (ns_setup mounts one; the
# scenario tests stack theirs, with sshd's /run/sshd, on top): the socket
# goes there, never into the machine's /run.
_kcm_private_run() {
    local src
    # The last line is the mount on top (the scenarios stack theirs).
    src=$(findmnt -rn --mountpoint /run -o SOURCE 2>/dev/null | tail -n 1)
    [[ $src == scn-run || $src == s4u-run ]] && return 0
    _kcm_err "/run is not the test's own tmpfs (found: ${src:-nothing})"
    return 1
}

# sssd's state and configuration, private to the namespace.
_kcm_private_sss() {
    mount -t tmpfs -o mode=0755,nosuid,nodev,size=32m s4u-sss /var/lib/sss &&
        mkdir -m 0700 /var/lib/sss/db /var/lib/sss/secrets &&
        mkdir -m 0755 /var/lib/sss/pipes /var/lib/sss/pipes/private /var/lib/sss/mc \
            /var/lib/sss/pubconf &&
        mount -t tmpfs -o mode=0711,nosuid,nodev,size=1m s4u-sssd /etc/sssd &&
        printf '[sssd]\nservices = kcm\n\n[kcm]\n' >/etc/sssd/sssd.conf &&
        chmod 0600 /etc/sssd/sssd.conf
}

kcm_start() {
    local i log=$S4U_TEST_DIR/sssd_kcm.log
    [[ -x $KCM_SSSD ]] || { _kcm_err "missing $KCM_SSSD (run: bash tests/install-deps.sh)"; return 1; }
    [[ -z $KCM_PID ]] || { _kcm_err "sssd_kcm is already running"; return 1; }
    # These mounts hide the machine's directories: only in our namespace.
    _ns_check_private && [[ -d /var/lib/sss && -d /etc/sssd ]] || return 1
    if ! _kcm_private_run || ! _kcm_private_sss; then
        _kcm_err "cannot mount the private sssd directories"
        return 1
    fi
    [[ ! -e $KCM_SOCKET ]] || { _kcm_err "$KCM_SOCKET exists before sssd_kcm started"; return 1; }
    "$KCM_SSSD" --uid 0 --gid 0 --logger=stderr </dev/null >>"$log" 2>&1 &
    KCM_PID=$!
    for ((i = 0; i < 100; i++)); do
        [[ -S $KCM_SOCKET ]] && return 0
        proc_alive "$KCM_PID" || break
        sleep 0.1
    done
    _kcm_err "sssd_kcm did not create $KCM_SOCKET: $(cat "$log")"
    kcm_stop
    return 1
}

kcm_stop() {
    local pid=$KCM_PID
    KCM_PID=
    proc_stop "$pid" sssd_kcm
}

# kcm_krb5conf: the realm's krb5.conf plus default_ccache_name = KCM:, as
# Fedora, RHEL and SSSD hosts have it.
kcm_krb5conf() {
    krb5conf_default_ccache KCM:
}

# krb5conf_default_ccache NAME: make /etc/krb5.conf the realm's with
# default_ccache_name = NAME in [libdefaults].
krb5conf_default_ccache() {
    local conf=$S4U_TEST_DIR/krb5-default-ccache.conf
    awk -v name="$1" '{ print } /^\[libdefaults\]/ { print "    default_ccache_name = " name }' \
        "$REALM_KRB5_CONFIG" >"$conf" && chmod 0644 "$conf" &&
        grep -qF "default_ccache_name = $1" "$conf" && ns_set_krb5conf "$conf"
}
