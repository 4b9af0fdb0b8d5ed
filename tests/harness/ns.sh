# shellcheck shell=bash
# ns.sh: a private mount + UTS namespace that looks like host serverb.example.test.
# With S4U_NS_NET=1, a private network namespace too (its own loopback, up),
# for daemons that need fixed ports (a Samba DC's 88 and 389).  With
# S4U_DNS_DOMAIN set, the hosts are serverX.$S4U_DNS_DOMAIN instead.
#
#   ns_reexec "$@"            re-run the calling script inside a new namespace (once)
#   ns_setup                  hostname, private /dev, /dev/log sink, private /etc files
#                             and /run (pam_s4u keeps the host's TGT in /run/pam_s4u)
#   ns_teardown               stop the syslog sink (by recorded pid); safe to call twice
#   ns_adduser NAME UID [PASSWORD]   real account in the private passwd/group/shadow
#   ns_add_domain_user NAME UID      an account NSS gives from another source than
#                             /etc/passwd (nss_db), as SSSD or winbind give domain
#                             users; NAME may be "alice@ad.example.test" or "ADLAB\alice"
#   ns_set_krb5conf FILE      bind-mount FILE over /etc/krb5.conf
#   syslog_grep ERE           print matching lines of "$S4U_TEST_DIR/syslog"
#   syslog_wait ERE [SECONDS] poll (default 5 s) until a line matches
#   syslog_clear              empty the syslog file
#   as_user NAME [VAR=value...] cmd...   run cmd as NAME with a clean environment
#   ns_outer_path PATH        PATH as seen outside the namespace (for read-only checks)
#
# ns_setup needs S4U_TEST_DIR (an existing directory, made world-searchable
# here so that test users can reach their homes). The syslog sink binary is
# $S4U_SYSLOG_SINK if set, otherwise it is compiled from tests/tools/syslog_sink.c.
#
# Private files are edited in place (same inode): a bind mount follows the
# inode, so replacing a file with rename(2) would silently detach it.

NS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_SYSLOG_PID=
NS_SYSLOG_COMM=

# shellcheck source=tests/harness/proc.sh
. "$NS_LIB_DIR/proc.sh"

_ns_err() {
    printf 'ns.sh: %s\n' "$*" >&2
}

# ns_reexec "$@": unless already inside, exec this script in fresh mount and
# UTS namespaces (mounts private, so nothing propagates back to the host).
# The outer namespace ids are recorded for _ns_check_private, and a directory
# fd on the outer "/" is kept open for ns_outer_path (reading only).
ns_reexec() {
    local outer_root_fd
    [[ ${S4U_IN_NS:-} == 1 ]] && return 0
    if [[ $(id -u) -ne 0 ]]; then
        printf 'Bail out! %s must run as root (mount namespaces)\n' "$0"
        exit 255
    fi
    exec {outer_root_fd}</ || { printf 'Bail out! cannot open /\n'; exit 255; }
    local net=()
    [[ ${S4U_NS_NET:-} != 1 ]] || net=(--net)
    exec unshare --mount --uts "${net[@]}" --propagation private \
        env S4U_IN_NS=1 S4U_OUTER_ROOT_FD="$outer_root_fd" \
        S4U_OUTER_MNTNS="$(readlink /proc/self/ns/mnt)" \
        S4U_OUTER_UTSNS="$(readlink /proc/self/ns/uts)" \
        S4U_OUTER_NETNS="$(readlink /proc/self/ns/net)" \
        bash "$0" "$@"
}

# ns_outer_path PATH: print a path that reaches PATH as the machine (outside
# the namespace) sees it, e.g. grep alice "$(ns_outer_path /etc/passwd)".
ns_outer_path() {
    [[ -n ${S4U_OUTER_ROOT_FD:-} ]] || { _ns_err "ns_outer_path: not started by ns_reexec"; return 1; }
    printf '/proc/self/fd/%s/%s\n' "$S4U_OUTER_ROOT_FD" "${1#/}"
}

# Refuse to touch mounts unless we really are in namespaces of our own
# (/proc/1/ns/* may be unreadable, so compare with what ns_reexec recorded).
_ns_check_private() {
    local mnt uts
    mnt=$(readlink /proc/self/ns/mnt) && uts=$(readlink /proc/self/ns/uts) || return 1
    if [[ ${S4U_IN_NS:-} != 1 || -z ${S4U_OUTER_MNTNS:-} || -z ${S4U_OUTER_UTSNS:-} ||
        $mnt == "$S4U_OUTER_MNTNS" || $uts == "$S4U_OUTER_UTSNS" ]]; then
        _ns_err "not inside a private mount/UTS namespace; call ns_reexec first"
        return 1
    fi
    if [[ -z ${S4U_TEST_DIR:-} || ! -d $S4U_TEST_DIR ]]; then
        _ns_err "S4U_TEST_DIR must name an existing directory"
        return 1
    fi
}

# A tmpfs /dev: bound host devices, a fresh devpts instance and a fresh /dev/shm.
# Built at a staging point, then moved over /dev in one step.
_ns_setup_dev() {
    local stage=$S4U_TEST_DIR/.dev n
    mkdir -p "$stage" || return 1
    mount -t tmpfs -o mode=0755,nosuid,size=1m s4u-dev "$stage" || return 1
    for n in null zero full random urandom tty; do
        : >"$stage/$n" && mount --bind "/dev/$n" "$stage/$n" || return 1
    done
    mkdir "$stage/pts" "$stage/shm" || return 1
    # A private devpts instance; /dev/ptmx must be its ptmx, hence the symlink.
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$stage/pts" || return 1
    ln -s pts/ptmx "$stage/ptmx" || return 1
    mount -t tmpfs -o mode=1777,nosuid,nodev s4u-shm "$stage/shm" || return 1
    ln -s /proc/self/fd "$stage/fd" &&
        ln -s /proc/self/fd/0 "$stage/stdin" &&
        ln -s /proc/self/fd/1 "$stage/stdout" &&
        ln -s /proc/self/fd/2 "$stage/stderr" || return 1
    mount --move "$stage" /dev
}

# Write the test /etc/hosts.
_ns_write_hosts() {
    local d=${S4U_DNS_DOMAIN:-example.test}
    cat >"$1" <<EOF
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
127.0.0.2 servera.$d servera
127.0.0.3 serverb.$d serverb
127.0.0.4 serverc.$d serverc
127.0.0.5 kdc.$d
127.0.0.10 dc1.$d dc1
EOF
}

# Private copies of the /etc files tests change, bind-mounted over the originals.
_ns_setup_etc() {
    local etc=$S4U_TEST_DIR/etc f
    mkdir -p "$etc" && chmod 0755 "$etc" || return 1
    for f in passwd group shadow; do
        cp -p "/etc/$f" "$etc/$f" || return 1
    done
    _ns_write_hosts "$etc/hosts" || return 1
    if [[ -f $S4U_TEST_DIR/realm/krb5.conf ]]; then
        cp "$S4U_TEST_DIR/realm/krb5.conf" "$etc/krb5.conf" || return 1
    else
        # Placeholder until realm_start calls ns_set_krb5conf.
        printf '[libdefaults]\n    default_realm = EXAMPLE.TEST\n    dns_lookup_kdc = false\n' \
            >"$etc/krb5.conf" || return 1
    fi
    chmod 0644 "$etc/hosts" "$etc/krb5.conf" || return 1
    rm -rf "$etc/pam.d" && cp -a /etc/pam.d "$etc/pam.d" || return 1
    for f in passwd group shadow hosts krb5.conf pam.d; do
        mount --bind "$etc/$f" "/etc/$f" || return 1
    done
}

# Print the syslog sink binary, compiling it into S4U_TEST_DIR if needed.
_ns_syslog_sink_binary() {
    local src=$NS_LIB_DIR/../tools/syslog_sink.c bin=$S4U_TEST_DIR/syslog_sink
    if [[ -n ${S4U_SYSLOG_SINK:-} ]]; then
        [[ -x $S4U_SYSLOG_SINK ]] || { _ns_err "S4U_SYSLOG_SINK=$S4U_SYSLOG_SINK is not executable"; return 1; }
        printf '%s\n' "$S4U_SYSLOG_SINK"
        return 0
    fi
    if [[ ! -x $bin ]]; then
        "${CC:-cc}" -O2 -Wall -Wextra -Werror -o "$bin" "$src" >&2 ||
            { _ns_err "cannot compile $src"; return 1; }
    fi
    printf '%s\n' "$bin"
}

# Start the sink on /dev/log and wait until its socket and pidfile exist.
_ns_start_syslog() {
    local bin i log=$S4U_TEST_DIR/syslog pidfile=$S4U_TEST_DIR/syslog_sink.pid
    bin=$(_ns_syslog_sink_binary) || return 1
    : >"$log" && chmod 0644 "$log" && rm -f "$pidfile" || return 1
    "$bin" /dev/log "$log" "$pidfile" </dev/null >>"$S4U_TEST_DIR/syslog_sink.err" 2>&1 &
    NS_SYSLOG_PID=$!
    NS_SYSLOG_COMM=$(basename "$bin")
    for ((i = 0; i < 50; i++)); do
        [[ -S /dev/log && -s $pidfile ]] && return 0
        kill -0 "$NS_SYSLOG_PID" 2>/dev/null || break
        sleep 0.1
    done
    _ns_err "syslog sink did not start: $(cat "$S4U_TEST_DIR/syslog_sink.err" 2>/dev/null)"
    return 1
}

# A tmpfs /run: the helper keeps the jump host's TGT in /run/pam_s4u, and
# each test's realm is new, so no test may see another's (or the machine's).
# sshd wants /run/sshd; lock files go to /run/lock.
_ns_setup_run() {
    mount -t tmpfs -o mode=0755,nosuid,nodev,size=4m s4u-run /run &&
        mkdir -m 0755 /run/sshd /run/lock
}

# ns_setup: build the private view. Call once, inside the namespace.
ns_setup() {
    _ns_check_private || return 1
    mount --make-rprivate / || return 1
    printf 'serverb.%s\n' "${S4U_DNS_DOMAIN:-example.test}" >/proc/sys/kernel/hostname || return 1
    if [[ ${S4U_NS_NET:-} == 1 ]]; then
        if [[ $(readlink /proc/self/ns/net) == "${S4U_OUTER_NETNS:-}" ]] || ! ip link set lo up; then
            _ns_err "no private network namespace"
            return 1
        fi
    fi
    chmod 0755 "$S4U_TEST_DIR" || return 1
    mkdir -p "$S4U_TEST_DIR/home" && chmod 0755 "$S4U_TEST_DIR/home" || return 1
    _ns_setup_etc || return 1
    _ns_setup_dev || return 1
    _ns_setup_run || return 1
    _ns_start_syslog || return 1
    S4U_NS_READY=1
    export S4U_NS_READY
}

# ns_teardown: stop the syslog sink we started. Safe to call twice.
ns_teardown() {
    local pid=${NS_SYSLOG_PID:-}
    NS_SYSLOG_PID=
    proc_stop "$pid" "${NS_SYSLOG_COMM:-}"
}

# ns_set_krb5conf FILE: make FILE the namespace's /etc/krb5.conf.
ns_set_krb5conf() {
    [[ -f ${1:-} ]] || { _ns_err "ns_set_krb5conf: no such file '${1:-}'"; return 1; }
    _ns_check_private || return 1
    while findmnt -rn --mountpoint /etc/krb5.conf >/dev/null; do
        umount /etc/krb5.conf || return 1
    done
    mount --bind "$1" /etc/krb5.conf
}

# Rewrite file $1 in place with the output of awk program $2. The program
# sees name (new user), id (new uid) and drop[] (names being replaced).
_ns_filter_file() {
    local file=$1 prog=$2 out
    out=$(awk -F: -v OFS=: -v name="$3" -v id="$4" -v dropped="$5" \
        "BEGIN { n = split(dropped, d, \",\"); for (i = 1; i <= n; i++) drop[d[i]] = 1 } $prog" \
        "$file") || return 1
    if [[ -n $out ]]; then
        printf '%s\n' "$out" >"$file"
    else
        : >"$file"
    fi
}

# ns_adduser NAME UID [PASSWORD]: replace any same-name or same-uid account in
# the private passwd/group/shadow with NAME (uid = gid = UID, shell bash, home
# $S4U_TEST_DIR/home/NAME). Without PASSWORD the password field is "*".
# shellcheck disable=SC2016 # the single-quoted strings are awk programs
ns_adduser() {
    local name=${1:-} uid=${2:-} password=${3-} etc=$S4U_TEST_DIR/etc home hash dropped days
    if [[ ! $name =~ ^[a-z_][a-z0-9_-]*$ || ! $uid =~ ^[0-9]+$ ]] || ((uid < 61000 || uid > 61999)); then
        _ns_err "usage: ns_adduser NAME UID(61000-61999) [PASSWORD]"
        return 1
    fi
    [[ ${S4U_NS_READY:-} == 1 ]] || { _ns_err "ns_adduser: call ns_setup first"; return 1; }
    home=$S4U_TEST_DIR/home/$name
    hash='*'
    if [[ -n $password ]]; then
        hash=$(printf '%s\n' "$password" | openssl passwd -6 -stdin) || return 1
    fi
    days=$(($(date +%s) / 86400))
    # Every account we replace: same name or same uid (getpwnam returns the first of two entries with one name).
    dropped=$(awk -F: -v name="$name" -v id="$uid" '$1 == name || $3 == id { print $1 }' \
        "$etc/passwd" | paste -sd, -)
    dropped=${dropped:+$dropped,}$name
    _ns_filter_file "$etc/passwd" '!($1 in drop) && $3 != id' "$name" "$uid" "$dropped" &&
        _ns_filter_file "$etc/shadow" '!($1 in drop)' "$name" "$uid" "$dropped" &&
        _ns_filter_file "$etc/group" '$1 == name || $3 == id { next }
            { n = split($4, m, ","); $4 = ""
              for (i = 1; i <= n; i++) if (!(m[i] in drop)) $4 = $4 ($4 == "" ? "" : ",") m[i]
              print }' "$name" "$uid" "$dropped" || return 1
    printf '%s:x:%s:%s:S4U test user:%s:/bin/bash\n' "$name" "$uid" "$uid" "$home" >>"$etc/passwd" &&
        printf '%s:x:%s:\n' "$name" "$uid" >>"$etc/group" &&
        printf '%s:%s:%s:0:99999:7:::\n' "$name" "$hash" "$days" >>"$etc/shadow" || return 1
    mkdir -p "$home" && chown "$uid:$uid" "$home" && chmod 0700 "$home"
}

# The private NSS "db" source: /var/lib/misc on a tmpfs, and an nsswitch.conf
# that asks files first, then db.  Domain users come from there, not from
# /etc/passwd, as they come from SSSD or winbind on a joined host.
_ns_setup_nss_db() {
    local etc=$S4U_TEST_DIR/etc
    [[ -f $etc/domain-passwd ]] && return 0
    mount -t tmpfs -o mode=0755,nosuid,nodev,size=1m s4u-nssdb /var/lib/misc &&
        : >"$etc/domain-passwd" && : >"$etc/domain-group" &&
        sed -E 's/^(passwd|group):.*/\1: files db/' /etc/nsswitch.conf >"$etc/nsswitch.conf" &&
        chmod 0644 "$etc/nsswitch.conf" && mount --bind "$etc/nsswitch.conf" /etc/nsswitch.conf
}

# Write $2 (a Berkeley DB for nss_db) from the passwd- or group-format file $1:
# keys ".name" and "=id", as libnss-db's Makefile makes them.
_ns_makedb() {
    awk -F: '{ printf "0%u %s\n.%s %s\n=%s %s\n", NR - 1, $0, $1, $0, $3, $0 }' "$1" |
        makedb -o "$2" -
}

# ns_add_domain_user NAME UID: an account from NSS's db source (uid = gid = UID,
# home $S4U_TEST_DIR/home/<NAME with @ and \ as _>).  NAME may hold one "@"
# or one "\" (SSSD's and winbind's qualified names) but no ":" or space.
ns_add_domain_user() {
    local name=${1:-} uid=${2:-} etc=$S4U_TEST_DIR/etc home
    if [[ ! $name =~ ^[A-Za-z0-9_.@\\-]+$ || ! $uid =~ ^[0-9]+$ ]] || ((uid < 61000 || uid > 62999)); then
        _ns_err "usage: ns_add_domain_user NAME UID(61000-62999)"
        return 1
    fi
    [[ ${S4U_NS_READY:-} == 1 ]] || { _ns_err "ns_add_domain_user: call ns_setup first"; return 1; }
    command -v makedb >/dev/null || { _ns_err "makedb missing (libnss-db)"; return 1; }
    _ns_setup_nss_db || return 1
    home=$S4U_TEST_DIR/home/${name//[@\\]/_}
    # "*" as SSSD and winbind give it: no shadow entry to look for.
    printf '%s:*:%s:%s:S4U domain user:%s:/bin/bash\n' "$name" "$uid" "$uid" "$home" >>"$etc/domain-passwd" &&
        printf 'g%s:x:%s:\n' "$uid" "$uid" >>"$etc/domain-group" &&
        _ns_makedb "$etc/domain-passwd" /var/lib/misc/passwd.db &&
        _ns_makedb "$etc/domain-group" /var/lib/misc/group.db || return 1
    mkdir -p "$home" && chown "$uid:$uid" "$home" && chmod 0700 "$home"
}

# syslog_grep ERE: print matching lines of the captured syslog.
syslog_grep() {
    grep -E -- "$1" "$S4U_TEST_DIR/syslog"
}

# syslog_wait ERE [SECONDS]: wait (default 5 s) for a matching syslog line.
syslog_wait() {
    local ere=$1 seconds=${2:-5} i
    for ((i = 0; i < seconds * 10; i++)); do
        grep -Eq -- "$ere" "$S4U_TEST_DIR/syslog" && return 0
        sleep 0.1
    done
    grep -Eq -- "$ere" "$S4U_TEST_DIR/syslog" && return 0
    _ns_err "syslog_wait: no line matching /$ere/ after ${seconds}s"
    return 1
}

# syslog_clear: forget everything logged so far (the sink appends, so truncating is safe).
syslog_clear() {
    : >"$S4U_TEST_DIR/syslog"
}

# as_user NAME [VAR=value...] cmd...: run cmd as NAME (uid, gid, supplementary
# groups) from NAME's home, with only HOME USER LOGNAME SHELL PATH and the
# VAR=value pairs given in the environment.
as_user() {
    local name=$1 ent uid gid home shell
    shift
    ent=$(getent passwd "$name") || { _ns_err "as_user: no such user '$name'"; return 127; }
    IFS=: read -r _ _ uid gid _ home shell <<<"$ent"
    (
        cd "$home" 2>/dev/null || cd / || exit 127
        exec setpriv --reuid="$uid" --regid="$gid" --init-groups \
            env -i HOME="$home" USER="$name" LOGNAME="$name" SHELL="$shell" \
            PATH=/usr/local/bin:/usr/bin:/bin "$@"
    )
}
