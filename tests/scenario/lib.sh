# shellcheck shell=bash
# lib.sh: the SSH double hop on one machine: three hosts on top of the
# standard test world of tests/harness/s4u.sh (real KDC with the LDAP backend,
# real accounts, private mount + UTS namespace, syslog captured on /dev/log).
#
#   ServerA (127.0.0.2)  the client: the test itself, running ssh as the user
#                        with no Kerberos at all (KRB5_CONFIG=/dev/null,
#                        KRB5CCNAME=FILE:<missing>, GSSAPIAuthentication no).
#   ServerB (127.0.0.3)  the jump host: /usr/sbin/sshd whose PAM service "sshd"
#                        is examples/pam.d/sshd with the pam_s4u line pointed
#                        at the build.  Its syslog is $S4U_TEST_DIR/syslog.
#   ServerC (127.0.0.4)  the back end: sshd accepting gssapi-with-mic only,
#                        and Apache with mod_auth_gssapi; both in a UTS and
#                        mount namespace of their own (hostname
#                        serverc.example.test, stock PAM files, own syslog).
#
#   scn_start                  world + three hosts; bails out if anything is missing
#   scn_serverb_pam [ARGS...]  rewrite ServerB's pam_s4u line, adding ARGS
#   scn_on_a USER CMD...       run CMD as USER on ServerA (no Kerberos)
#   scn_ssh USER CMD           "ssh serverb CMD" from ServerA with USER's key
#   scn_ssh_password USER PASSWORD CMD   the same through keyboard-interactive (PAM)
#                              (both set RUN_OUTPUT and RUN_STATUS, like tap.sh's run)
#   scn_open NAME USER [PASSWORD]   log in and keep the session open
#   scn_in NAME CMD            run CMD (bash) in session NAME on ServerB;
#                              RUN_OUTPUT / RUN_STATUS are CMD's output and status
#                              (call it in the test's shell, never inside $(...):
#                              the session's command counter lives there)
#   scn_close NAME             log out (end of input) and wait for the client
#   scn_log FILE               print a log (sshd's, without its CRs)
#   scn_wait_log FILE ERE [SECONDS]   wait until FILE has a matching line
#   scn_refused NAME           TAP: pass if the last command failed
#   scn_tickets                (in a session) the service principals klist lists
#   scn_drop NAME              kill session NAME's client (a dropped connection)
#
#   SCN_CURL        command line, for use in scn_in, of the Negotiate request to
#                   ServerC's web service (prints "hello USER@REALM from serverc")
#   SCN_B_LOG, SCN_C_LOG, SCN_C_SYSLOG, SCN_HTTP_LOG, SCN_HTTP_ACCESS: log files
#   SCN_TARGETS     the targets ServerB delegates
#   SCN_UID[USER]   the uid of alice, bob, carol, dave in this run (not
#                   s4u.sh's 61001-61004: see _scn_accounts)
#
# With S4U_KDC=samba (see s4u.sh) the hosts live in $S4U_DNS_DOMAIN, the realm
# is the Samba AD domain's, ServerB's PAM line has no principal= (the
# machine account is found in the keytab), and the users are the domain's
# (SCN_KEY_USERS, set by the test, says which get SSH keys).
#
# Set S4U_SCENARIO_BREAK=no-pam-s4u to install ServerB's PAM service without
# the pam_s4u line: every scenario test must then fail (mutation check).
#
# S4U_SCN_CACHE: the cache type of ServerB's host; its pam_s4u line never
# has ccache=, so the module follows the host (tests/scenario/kcm/*.t run
# every scenario again with kcm):
#   keyring (default)  Debian's stock krb5.conf, no default_ccache_name:
#                      pam_s4u's own default, KEYRING:persistent:UID
#   kcm                a real sssd-kcm on ServerB (tests/harness/kcm.sh) and
#                      krb5.conf default_ccache_name = KCM:, as Fedora, RHEL
#                      and SSSD hosts have it
#   scn_cc USER                the prefix of USER's login caches' names
#                              (KEYRING:persistent:UID: or KCM:UID:)
#   scn_collection USER        USER's collection, for KRB5CCNAME
#   scn_caches USER CCNAME...  those of the named caches USER's collection lists
#   scn_stored USER CCNAME     true if the store below the krb5 library holds
#                              the cache for USER: the keys USER sees in
#                              /proc/keys, or sssd-kcm's database under
#                              USER's uid
#   scn_primary USER           a snippet for scn_in: klist's first line for
#                              USER's collection as a program that does not
#                              inherit KRB5CCNAME sees it
#   scn_cache_rule             an ERE for the pam_s4u debug line that says
#                              which cache type a login uses and why
#
# Nothing outside the namespace changes: daemons listen on loopback aliases at
# ports chosen at run time, and keep keys, configs, pid files and logs under
# $S4U_TEST_DIR.  Inside the namespace, tmpfs mounts over /run (sshd's privsep
# directory, utmp, pam_motd's output), /var/log (wtmp, btmp, lastlog),
# /var/tmp (Kerberos replay caches) and /root (root's authorized_keys) keep
# the daemons' side effects away from the machine's files.  Every daemon is
# stopped by the pid recorded when it was started.

# shellcheck source=tests/harness/s4u.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../harness" && pwd)/s4u.sh"

SCN_DOMAIN=${S4U_DNS_DOMAIN:-example.test}
SCN_HTTP_TARGET=HTTP/serverc.$SCN_DOMAIN
SCN_TARGETS=host/serverc.$SCN_DOMAIN,$SCN_HTTP_TARGET
# Users with an SSH key on ServerA.  Only alice has a local password, for
# keyboard-interactive: alice-local-pw.
SCN_KEY_USERS=${SCN_KEY_USERS:-alice bob carol root}
# The environment every daemon starts with: nothing of the test's leaks in.
SCN_DAEMON_PATH=/usr/sbin:/usr/bin:/sbin:/bin

SCN_B_PID='' SCN_C_PID='' SCN_HTTP_PID='' SCN_C_SYSLOG_PID=''
declare -A _SCN_FD=() _SCN_PID=() _SCN_OUT=() _SCN_SEQ=()
# SCN_UID[user]: the uids this run gives alice, bob, carol and dave.
declare -A SCN_UID=()

_scn_err() {
    printf 'scenario/lib.sh: %s\n' "$*" >&2
}

# _scn_kill_children PID COMM: stop the children of our daemon PID that
# still run COMM (sshd's per-connection processes survive the listener).
_scn_kill_children() {
    local child
    [[ -n $1 ]] || return 0
    # shellcheck disable=SC2013 # the file is one line of pids
    for child in $(cat "/proc/$1/task/"*/children 2>/dev/null); do
        [[ $(cat "/proc/$child/comm" 2>/dev/null) == "$2" ]] && kill -TERM "$child" 2>/dev/null
    done
    return 0
}

# _scn_listening PID ADDR PORT: true once process PID listens on ADDR:PORT (TCP).
_scn_listening() {
    ss -Hltnp "( sport = :$3 )" 2>/dev/null | grep -F "$2:$3" | grep "pid=$1," >/dev/null
}

# _scn_wait_listen PID ADDR PORT: wait up to 10 s; fail early if PID dies.
_scn_wait_listen() {
    local i
    for ((i = 0; i < 100; i++)); do
        _scn_listening "$1" "$2" "$3" && return 0
        proc_alive "$1" || return 1
        sleep 0.1
    done
    return 1
}

# scn_log FILE: the log's lines, without the carriage returns sshd -E ends
# them with.
scn_log() {
    tr -d '\r' <"$1"
}

# scn_wait_log FILE ERE [SECONDS]: wait (default 10 s) for a matching line.
scn_wait_log() {
    local file=$1 ere=$2 seconds=${3:-10} i
    for ((i = 0; i <= seconds * 10; i++)); do
        # No grep -q: quitting early could SIGPIPE tr and fail the pipeline.
        scn_log "$file" 2>/dev/null | grep -E -- "$ere" >/dev/null && return 0
        ((i == seconds * 10)) || sleep 0.1
    done
    _scn_err "no line matching /$ere/ in $file after ${seconds}s"
    return 1
}

# scn_refused NAME: a TAP check that the last run/scn_in/scn_ssh failed
# (non-zero status); its output is shown if it did not.
scn_refused() {
    if [[ $RUN_STATUS -ne 0 ]]; then
        pass "$1"
    else
        fail "$1" "it succeeded; output:" "$RUN_OUTPUT"
    fi
}

# --- the namespace's private /run, /var/log, /var/tmp, /root ------------------

_scn_private_dirs() {
    local d
    # These mounts would hide the machine's own directories: never outside
    # the test's private namespace.
    _ns_check_private || return 1
    # sshd needs its privilege separation directory /run/sshd (root, 0755)
    # and writes utmp there; pam_motd writes /run/motd.dynamic.
    mount -t tmpfs -o mode=0755,nosuid,nodev,size=4m scn-run /run &&
        mkdir -m 0755 /run/sshd /run/lock || return 1
    # sshd records logins in wtmp and lastlog and failures in btmp.
    mount -t tmpfs -o mode=0755,nosuid,nodev,size=4m scn-log /var/log &&
        : >/var/log/wtmp && : >/var/log/btmp && : >/var/log/lastlog &&
        chmod 0664 /var/log/wtmp && chmod 0600 /var/log/btmp || return 1
    # Kerberos acceptors (sshd, mod_auth_gssapi) keep replay caches here.
    mount -t tmpfs -o mode=1777,nosuid,nodev,size=4m scn-vartmp /var/tmp || return 1
    # root's key for ServerB lives in a private /root (sshd's StrictModes
    # rejects an AuthorizedKeysFile below the world-writable /tmp).
    mount -t tmpfs -o mode=0700,nosuid,nodev,size=1m scn-root /root || return 1
    for d in /run /var/log /var/tmp /root; do
        findmnt -rn --mountpoint "$d" -o FSTYPE | grep -qx tmpfs || return 1
    done
}

# --- accounts ------------------------------------------------------------------

# The world's users again, with uids of this run's own.  Kernel keyrings
# belong to uids, not to namespaces: every run of s4u.sh's world uses
# 61001-61004, and its cleanup (kdestroy -A, keyctl clear) wipes the caches
# of any run going on at the same time.  These tests keep real sessions
# open, so they move to a block chosen from the pid (1 in 89 to collide).
_scn_accounts() {
    local base=$((61100 + ($$ % 89) * 10)) u
    # The AD world's users come from the domain (s4u.sh made them).
    [[ ${S4U_KDC:-mit} != samba ]] || return 0
    SCN_UID=([alice]=$((base + 1)) [bob]=$((base + 2)) [carol]=$((base + 3)) [dave]=$((base + 4)))
    ns_adduser alice "${SCN_UID[alice]}" alice-local-pw &&
        ns_adduser bob "${SCN_UID[bob]}" && ns_adduser carol "${SCN_UID[carol]}" &&
        ns_adduser dave "${SCN_UID[dave]}" || return 1
    # A run that crashed with the same block may have left caches behind.
    for u in $S4U_USERS; do s4u_clean_user "$u" >/dev/null 2>&1; done
    return 0
}

# --- principals, keytabs, keys ------------------------------------------------

_scn_principals() {
    # ServerC's web service: its own keytab, readable by Apache's workers only.
    if [[ ${S4U_KDC:-mit} == samba ]]; then
        samba_tool domain exportkeytab "$SCN_C/http.keytab" --principal="$SCN_HTTP_TARGET" >/dev/null &&
            chown www-data:www-data "$SCN_C/http.keytab" && chmod 0400 "$SCN_C/http.keytab"
        return
    fi
    realm_ktadd "$SCN_HTTP_TARGET" "$SCN_C/http.keytab" >/dev/null &&
        chown www-data:www-data "$SCN_C/http.keytab" && chmod 0400 "$SCN_C/http.keytab" &&
        realm_allow_delegation "$S4U_HOST" "$SCN_HTTP_TARGET@EXAMPLE.TEST" >/dev/null
}

# Host keys for ServerB and ServerC.
_scn_host_keys() {
    ssh-keygen -q -t ed25519 -N '' -C serverb -f "$SCN_B/ssh_host_ed25519_key" &&
        ssh-keygen -q -t ed25519 -N '' -C serverc -f "$SCN_C/ssh_host_ed25519_key"
}

# User keys on ServerA, authorized_keys on ServerB, and the known_hosts files
# of both clients (once the ports are known).
_scn_keys() {
    local user uid gid home dir ak
    for user in $SCN_KEY_USERS; do
        IFS=: read -r _ _ uid gid _ home _ <<<"$(getent passwd "$user")"
        [[ -n $uid && -n $home ]] || { _scn_err "no account $user"; return 1; }
        # ServerA: the key is the user's own, in a directory only she can read.
        dir=$SCN_A/$user
        mkdir -m 0700 "$dir" &&
            ssh-keygen -q -t ed25519 -N '' -C "$user@servera" -f "$dir/id_ed25519" &&
            chown -R "$uid:$gid" "$dir" || return 1
        # ServerB: ~/.ssh/authorized_keys, owned by the user (StrictModes).
        mkdir -p "$home/.ssh" && chmod 0700 "$home/.ssh" &&
            ak=$home/.ssh/authorized_keys &&
            cp "$dir/id_ed25519.pub" "$ak" && chmod 0600 "$ak" &&
            chown -R "$uid:$gid" "$home/.ssh" || return 1
    done
    # Client host-key pins: non-standard ports are looked up as [host]:port.
    printf '[serverb.%s]:%s %s\n' "$SCN_DOMAIN" "$SCN_B_PORT" \
        "$(cut -d' ' -f1,2 "$SCN_B/ssh_host_ed25519_key.pub")" >"$SCN_A/known_hosts" &&
        printf '[serverc.%s]:%s %s\n' "$SCN_DOMAIN" "$SCN_C_PORT" \
            "$(cut -d' ' -f1,2 "$SCN_C/ssh_host_ed25519_key.pub")" >"$SCN_B/ssh_known_hosts" &&
        chmod 0644 "$SCN_A/known_hosts" "$SCN_B/ssh_known_hosts"
}

# --- the cache type (S4U_SCN_CACHE) ------------------------------------------------

SCN_CACHE=${S4U_SCN_CACHE:-keyring}
SCN_KCM_DB=/var/lib/sss/secrets/secrets.ldb

# ServerB becomes a host of SCN_CACHE's kind; the keyring needs nothing.
_scn_cache_type() {
    case $SCN_CACHE in
    keyring) return 0 ;;
    kcm) kcm_start && kcm_krb5conf ;;
    *) _scn_err "S4U_SCN_CACHE=$SCN_CACHE: use keyring or kcm"; return 1 ;;
    esac
}

scn_cc() {
    if [[ $SCN_CACHE == kcm ]]; then
        printf 'KCM:%s:' "${SCN_UID[$1]:-$(id -u "$1")}"
    else
        printf 'KEYRING:persistent:%s:' "${SCN_UID[$1]:-$(id -u "$1")}"
    fi
}

# A KCM client names no uid: sssd-kcm gives it the collection of the uid
# that connects.
scn_collection() {
    if [[ $SCN_CACHE == kcm ]]; then
        printf 'KCM:'
    else
        printf 'KEYRING:persistent:%s' "${SCN_UID[$1]:-$(id -u "$1")}"
    fi
}

scn_caches() {
    local user=$1 list cc
    shift
    list=$(as_user "$user" KRB5CCNAME="$(scn_collection "$user")" klist -l 2>/dev/null)
    for cc in "$@"; do
        grep -qF -- "$cc" <<<"$list" && printf '%s\n' "$cc"
    done
}

# The keyring: the cache is a keyring named after it among the keys USER
# sees.  KCM: sssd-kcm keeps each cache as an entry of its database whose
# name holds the cache's and whose parent is the owner's uid, read here
# directly (as root), not through the KCM protocol.
scn_stored() {
    local sub=${2##*:} uid
    if [[ $SCN_CACHE != kcm ]]; then
        s4u_user_keys "$1" | grep -F -- "$sub" >/dev/null
        return
    fi
    # dn: cn=UUID-UID:NAME,cn=ccache,cn=UID,cn=persistent,cn=kcm
    uid=${SCN_UID[$1]:-$(id -u "$1")}
    ldbsearch -H "$SCN_KCM_DB" -b "cn=ccache,cn=$uid,cn=persistent,cn=kcm" 2>/dev/null |
        grep -E -- "^dn: cn=[0-9a-f-]+-$uid:$sub,cn=ccache,cn=$uid," >/dev/null
}

scn_cache_rule() {
    if [[ $SCN_CACHE == kcm ]]; then
        printf '%s' 'cache type KCM: for user=[a-z]+: the host.s default \(krb5\.conf default_ccache_name\)$'
    else
        printf '%s' 'cache type KEYRING:persistent:%\{uid\} for user=[a-z]+: pam_s4u.s default: krb5\.conf sets no default_ccache_name$'
    fi
}

# shellcheck disable=SC2016 # expanded on ServerB
scn_primary() {
    if [[ $SCN_CACHE == kcm ]]; then
        printf '%s' 'env -u KRB5CCNAME klist | head -n 1'
    else
        printf 'KRB5CCNAME=%s klist | head -n 1' "$(scn_collection "$1")"
    fi
}

# --- ServerA: the client -------------------------------------------------------

_scn_servera_config() {
    cat >"$SCN_A/ssh_config" <<EOF || return 1
# ServerA's ssh client (written by tests/scenario/lib.sh).  No Kerberos:
# the user reaches the jump host with a key (or her local password).
Host serverb serverb.$SCN_DOMAIN
    HostName serverb.$SCN_DOMAIN
    Port $SCN_B_PORT
    BindAddress 127.0.0.2
    IdentityFile $SCN_A/%u/id_ed25519
    IdentitiesOnly yes
    PubkeyAuthentication yes
    GSSAPIAuthentication no
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    BatchMode yes
    UserKnownHostsFile $SCN_A/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    CheckHostIP no
    ControlMaster no
    ControlPath none
    ForwardAgent no
    LogLevel ERROR
EOF
    chmod 0644 "$SCN_A/ssh_config"
}

# _scn_client_cmd USER: set _SCN_CMD to the argv that runs, as USER on ServerA,
# whatever follows; no Kerberos configuration or cache is visible to it.
_scn_client_cmd() {
    local user=$1 uid gid home shell
    IFS=: read -r _ _ uid gid _ home shell <<<"$(getent passwd "$user")"
    [[ -n $uid ]] || { _scn_err "no account $user"; return 1; }
    _SCN_CMD=(setpriv --reuid="$uid" --regid="$gid" --init-groups
        env -i HOME="$home" USER="$user" LOGNAME="$user" SHELL="$shell"
        PATH=/usr/local/bin:/usr/bin:/bin
        KRB5_CONFIG=/dev/null KRB5CCNAME=FILE:/nonexistent/servera-has-no-kerberos)
}

# scn_on_a USER CMD...: run CMD as USER on ServerA; RUN_OUTPUT / RUN_STATUS.
scn_on_a() {
    _scn_client_cmd "$1" || return 1
    shift
    run "${_SCN_CMD[@]}" timeout 60 "$@"
}

# scn_ssh USER CMD: ssh from ServerA to ServerB with USER's key; run CMD there.
scn_ssh() {
    _scn_client_cmd "$1" || return 1
    run "${_SCN_CMD[@]}" timeout 60 ssh -n -F "$SCN_A/ssh_config" serverb "$2"
}

# The options that turn ServerA's client to keyboard-interactive (PAM) only.
_SCN_PASSWORD_OPTS=(-o PubkeyAuthentication=no -o KbdInteractiveAuthentication=yes
    -o PreferredAuthentications=keyboard-interactive -o BatchMode=no
    -o NumberOfPasswordPrompts=1)

# scn_ssh_password USER PASSWORD CMD: the same with a password typed at PAM's
# prompt by sshpass (given in the environment, so ps(1) does not show it).
scn_ssh_password() {
    _scn_client_cmd "$1" || return 1
    run "${_SCN_CMD[@]}" SSHPASS="$2" timeout 60 sshpass -e \
        ssh -n -F "$SCN_A/ssh_config" "${_SCN_PASSWORD_OPTS[@]}" serverb "$3"
}

# --- sessions kept open ----------------------------------------------------------

# scn_open NAME USER [PASSWORD]: log in to ServerB and keep the session open.
# The remote side is "bash -s" reading commands from a fifo we hold; closing
# it is the logout.  Output goes to a file that scn_in reads.
scn_open() {
    local name=$1 user=$2 password=${3-} fifo fd
    [[ -z ${_SCN_PID[$name]:-} ]] || { _scn_err "session $name is already open"; return 1; }
    fifo=$SCN_SESSIONS/$name.in
    _SCN_OUT[$name]=$SCN_SESSIONS/$name.out
    _SCN_SEQ[$name]=0
    rm -f "$fifo" && mkfifo -m 0600 "$fifo" || return 1
    # Read-write open: does not block, and keeps the fifo open until scn_close.
    exec {fd}<>"$fifo" || return 1
    _SCN_FD[$name]=$fd
    _scn_client_cmd "$user" || return 1
    if [[ -n $password ]]; then
        _SCN_CMD+=(SSHPASS="$password" sshpass -e
            ssh -F "$SCN_A/ssh_config" "${_SCN_PASSWORD_OPTS[@]}" serverb 'exec bash -s')
    else
        _SCN_CMD+=(ssh -F "$SCN_A/ssh_config" serverb 'exec bash -s')
    fi
    # The client must not inherit our write end, or it would never see EOF.
    # shellcheck disable=SC2093 # exec is meant: $! is then the client itself
    (
        exec {fd}>&-
        cd / && exec "${_SCN_CMD[@]}"
    ) <"$fifo" >"${_SCN_OUT[$name]}" 2>&1 &
    _SCN_PID[$name]=$!
    scn_in "$name" true
}

# scn_in NAME CMD: run CMD in session NAME and wait for it (at most 60 s).
# CMD reads nothing from the session's input, so it cannot eat later commands.
scn_in() {
    local name=$1 cmd=$2 fd=${_SCN_FD[$1]:-} seq out i line
    [[ -n $fd ]] || { _scn_err "no open session $name"; return 1; }
    # In a subshell the counter update would be lost and the next call would
    # read this call's answer as its own.
    [[ $BASHPID == "$$" ]] || { _scn_err "scn_in must not run in a subshell"; return 1; }
    seq=$((_SCN_SEQ[$name] + 1))
    _SCN_SEQ[$name]=$seq
    out=${_SCN_OUT[$name]}
    # shellcheck disable=SC2016 # $? and $__scn expand on ServerB
    printf '{\n%s\n} </dev/null 2>&1; __scn=$?; printf "\\n__scn_done_%d %%d\\n" "$__scn"\n' \
        "$cmd" "$seq" >&"$fd" || return 1
    RUN_STATUS=255
    for ((i = 0; i < 600; i++)); do
        line=$(grep -E "^__scn_done_$seq [0-9]+$" "$out" 2>/dev/null) && break
        # A session whose client has gone will never answer.
        proc_alive "${_SCN_PID[$name]}" || { line=$(grep -E "^__scn_done_$seq [0-9]+$" "$out"); break; }
        sleep 0.1
    done
    if [[ -z $line ]]; then
        RUN_OUTPUT="session $name did not answer; its output so far:"$'\n'"$(cat "$out")"
        return 0
    fi
    RUN_STATUS=${line##* }
    # The output between the previous marker (or the start) and this one,
    # minus the newline printed before the marker.
    RUN_OUTPUT=$(awk -v prev="__scn_done_$((seq - 1)) " -v cur="__scn_done_$seq " \
        -v first="$((seq == 1))" '
        BEGIN { started = first }
        index($0, cur) == 1 { exit }
        started { buf = buf sep $0; sep = "\n" }
        index($0, prev) == 1 { started = 1 }
        END { sub(/\n$/, "", buf); print buf }' "$out")
    return 0
}

# scn_drop NAME: cut session NAME's connection as a crash or a network
# failure would: SIGKILL to its client, which then cannot say goodbye.
scn_drop() {
    local pid=${_SCN_PID[$1]:-}
    [[ -n $pid ]] || { _scn_err "no open session $1"; return 1; }
    # Braces: bash reports a killed job on the shell's stderr, not wait's.
    { kill -KILL "$pid" && wait "$pid"; } 2>/dev/null
    scn_close "$1"
}

# scn_close NAME: log out of session NAME and wait (at most 30 s) for the client.
scn_close() {
    local name=$1 fd=${_SCN_FD[$1]:-} pid=${_SCN_PID[$1]:-} i
    [[ -n $pid ]] || return 0
    [[ -z $fd ]] || exec {fd}>&-
    for ((i = 0; i < 300; i++)); do
        proc_alive "$pid" || break
        sleep 0.1
    done
    if proc_alive "$pid"; then
        _scn_err "the client of session $name did not exit; stopping it"
        kill -TERM "$pid" 2>/dev/null
    fi
    # Braces: bash reports a killed job on the shell's stderr, not wait's.
    { wait "$pid"; } 2>/dev/null
    unset "_SCN_FD[$name]" "_SCN_PID[$name]"
    return 0
}

# scn_tickets: a shell snippet for scn_in: the service principals klist lists
# in the session's cache, one a line, sorted.
# shellcheck disable=SC2016,SC2034 # expanded on ServerB; used by the tests
scn_tickets='klist | awk '\''/^Valid starting/ { t = 1; next } t && NF >= 5 && $NF ~ /@/ { print $NF }'\'' | LC_ALL=C sort'

# --- ServerB: the jump host --------------------------------------------------------

# scn_serverb_pam [ARGS...]: install ServerB's /etc/pam.d/sshd: the shipped
# example with its pam_s4u line aimed at the build, plus ARGS.  Edited in
# place: /etc/pam.d is the namespace's private copy.  sshd reads it anew at
# every connection.
# shellcheck disable=SC2120 # the tests pass ARGS
scn_serverb_pam() {
    local out
    # Only ever the namespace's copy of /etc/pam.d, never the machine's.
    if ! _ns_check_private || ! findmnt -rn --mountpoint /etc/pam.d >/dev/null; then
        _scn_err "/etc/pam.d is not the test namespace's private copy"
        return 1
    fi
    SCN_PAM_LINE="session    optional     $S4U_BUILD/pam_s4u.so helper=$S4U_BUILD/pam_s4u_helper ${S4U_HOST:+principal=$S4U_HOST }keytab=$S4U_TEST_DIR/serverb.keytab targets=$SCN_TARGETS debug${*:+ $*}"
    [[ ${S4U_SCENARIO_BREAK:-} != no-pam-s4u ]] || SCN_PAM_LINE="# pam_s4u removed (S4U_SCENARIO_BREAK)"
    # ENVIRON, not -v: awk -v would interpret backslashes in the line.
    out=$(SCN_PAM_LINE=$SCN_PAM_LINE awk '
        /^session[ \t]+optional[ \t]+pam_s4u\.so([ \t]|$)/ { print ENVIRON["SCN_PAM_LINE"]; n++; next }
        { print }
        END { if (n != 1) exit 1 }' "$S4U_SRC/examples/pam.d/sshd") ||
        { _scn_err "examples/pam.d/sshd must have exactly one pam_s4u session line"; return 1; }
    printf '%s\n' "$out" >/etc/pam.d/sshd
}

_scn_serverb_config() {
    cat >"$SCN_B/sshd_config" <<EOF
# ServerB, the jump host (written by tests/scenario/lib.sh).
ListenAddress 127.0.0.3:$1
HostKey $SCN_B/ssh_host_ed25519_key
PidFile $SCN_B/sshd.pid
UsePAM yes
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
# Passwords only through PAM's keyboard-interactive conversation.
KbdInteractiveAuthentication yes
PasswordAuthentication no
# The users come without Kerberos; the jump host does not take it either.
GSSAPIAuthentication no
PermitRootLogin prohibit-password
StrictModes yes
LogLevel VERBOSE
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding no
PermitTunnel no
EOF
}

# The ssh client configuration of ServerB's users: "ssh serverc" goes to
# ServerC's port by gssapi-with-mic only, so that a success proves the
# delegated tickets worked.  Bind-mounted over /etc/ssh/ssh_config.
_scn_serverb_client_config() {
    cat >"$SCN_B/ssh_config" <<EOF || return 1
# ServerB's ssh client (written by tests/scenario/lib.sh).
Host serverc serverc.$SCN_DOMAIN
    HostName serverc.$SCN_DOMAIN
    Port $SCN_C_PORT
    GSSAPIAuthentication yes
    GSSAPIDelegateCredentials no
    PreferredAuthentications gssapi-with-mic
    PubkeyAuthentication no
    PasswordAuthentication no
    KbdInteractiveAuthentication no
Host *
    BindAddress 127.0.0.3
    BatchMode yes
    UserKnownHostsFile /dev/null
    GlobalKnownHostsFile $SCN_B/ssh_known_hosts
    StrictHostKeyChecking yes
    CheckHostIP no
    ControlMaster no
    ControlPath none
    LogLevel ERROR
EOF
    chmod 0644 "$SCN_B/ssh_config" && _ns_check_private &&
        [[ -f /etc/ssh/ssh_config ]] && mount --bind "$SCN_B/ssh_config" /etc/ssh/ssh_config
}

# Run ServerB's sshd in the foreground, as our child, in a session of its
# own (like a daemon: no signal for our process group reaches it, and none
# it sends reaches us); sets _SCN_SPAWNED.  setsid and env exec, so $! is
# sshd once it has started: _SCN_B_PROGRAMS are what $! may run.
_SCN_B_PROGRAMS=(setsid env sshd)
_scn_serverb_spawn() {
    setsid env -i PATH="$SCN_DAEMON_PATH" /usr/sbin/sshd -D -f "$SCN_B/sshd_config" -E "$SCN_B_LOG" \
        </dev/null >>"$SCN_B/sshd.out" 2>&1 &
    _SCN_SPAWNED=$!
}

_scn_start_serverb() {
    local attempt port
    for attempt in 1 2 3; do
        port=$(realm_free_port) || return 1
        _scn_serverb_config "$port" || return 1
        /usr/sbin/sshd -t -f "$SCN_B/sshd_config" >"$SCN_B/sshd-t.out" 2>&1 ||
            { _scn_err "ServerB's sshd_config is invalid: $(cat "$SCN_B/sshd-t.out")"; return 1; }
        _scn_serverb_spawn
        SCN_B_PID=$_SCN_SPAWNED
        if _scn_wait_listen "$SCN_B_PID" 127.0.0.3 "$port"; then
            SCN_B_PORT=$port
            return 0
        fi
        _scn_err "ServerB's sshd (attempt $attempt, port $port) did not start: $(cat "$SCN_B/sshd.out" "$SCN_B_LOG" 2>/dev/null)"
        proc_stop "$SCN_B_PID" "${_SCN_B_PROGRAMS[@]}"
        SCN_B_PID=
    done
    return 1
}

# --- ServerC: the back end ------------------------------------------------------------

# _scn_serverc_spawn CMD...: run CMD in a new mount + UTS namespace that
# looks like ServerC: hostname serverc.example.test, the stock PAM files, its
# own syslog socket.  unshare, bash and setsid exec, so $! is CMD itself
# once it has started; on the way it runs _SCN_C_SPAWN (and CMD, env).
# setsid: Apache in the foreground signals its whole process group when it
# stops, which would otherwise include this test and prove.
_SCN_C_SPAWN=(unshare bash setsid env)
_scn_serverc_spawn() {
    # shellcheck disable=SC2016 # the script runs in the new namespace
    unshare --mount --uts --propagation private -- bash -c '
        printf "serverc.%s\n" "$3" >/proc/sys/kernel/hostname &&
            mount --bind "$1" /etc/pam.d && mount --bind "$2" /dev/log || exit 1
        shift 3
        exec setsid "$@"' scn-serverc "$SCN_C/pam.d" "$SCN_C/log.sock" "$SCN_DOMAIN" "$@" \
        </dev/null >>"$SCN_C/daemons.out" 2>&1 &
    _SCN_SPAWNED=$!
}

_scn_serverc_syslog() {
    local i pidfile=$SCN_C/syslog_sink.pid
    : >"$SCN_C_SYSLOG" && chmod 0644 "$SCN_C_SYSLOG" || return 1
    "$S4U_SYSLOG_SINK" "$SCN_C/log.sock" "$SCN_C_SYSLOG" "$pidfile" </dev/null \
        >>"$SCN_C/syslog_sink.err" 2>&1 &
    SCN_C_SYSLOG_PID=$!
    for ((i = 0; i < 50; i++)); do
        [[ -S $SCN_C/log.sock && -s $pidfile ]] && return 0
        sleep 0.1
    done
    _scn_err "ServerC's syslog sink did not start: $(cat "$SCN_C/syslog_sink.err")"
    return 1
}

_scn_serverc_config() {
    cat >"$SCN_C/sshd_config" <<EOF
# ServerC, the back end (written by tests/scenario/lib.sh).  Kerberos only:
# a login here succeeds with a valid service ticket or not at all.
ListenAddress 127.0.0.4:$1
HostKey $SCN_C/ssh_host_ed25519_key
PidFile $SCN_C/sshd.pid
UsePAM yes
AuthenticationMethods gssapi-with-mic
GSSAPIAuthentication yes
GSSAPIStrictAcceptorCheck yes
GSSAPICleanupCredentials yes
PubkeyAuthentication no
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
PermitRootLogin no
StrictModes yes
LogLevel VERBOSE
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
EOF
}

_scn_start_serverc_sshd() {
    local attempt port
    for attempt in 1 2 3; do
        port=$(realm_free_port) || return 1
        _scn_serverc_config "$port" || return 1
        /usr/sbin/sshd -t -f "$SCN_C/sshd_config" >"$SCN_C/sshd-t.out" 2>&1 ||
            { _scn_err "ServerC's sshd_config is invalid: $(cat "$SCN_C/sshd-t.out")"; return 1; }
        # KRB5_KTNAME: ServerC's own keytab (sshd is not setuid, krb5 honours it).
        _scn_serverc_spawn env -i PATH="$SCN_DAEMON_PATH" \
            KRB5_KTNAME="FILE:$S4U_TEST_DIR/serverc.keytab" \
            /usr/sbin/sshd -D -f "$SCN_C/sshd_config" -E "$SCN_C_LOG"
        SCN_C_PID=$_SCN_SPAWNED
        if _scn_wait_listen "$SCN_C_PID" 127.0.0.4 "$port"; then
            SCN_C_PORT=$port
            return 0
        fi
        _scn_err "ServerC's sshd (attempt $attempt, port $port) did not start: $(cat "$SCN_C/daemons.out" "$SCN_C_LOG" 2>/dev/null)"
        proc_stop "$SCN_C_PID" "${_SCN_C_SPAWN[@]}" sshd
        SCN_C_PID=
    done
    return 1
}

_scn_http_config() {
    local m=/usr/lib/apache2/modules
    mkdir -p "$SCN_C/www" "$SCN_C/httpd-run" && chmod 0755 "$SCN_C/www" || return 1
    # The page names the authenticated client, as mod_auth_gssapi set it.
    printf 'hello <!--#echo var="REMOTE_USER" --> from serverc\n' >"$SCN_C/www/index.shtml" &&
        chmod 0644 "$SCN_C/www/index.shtml" || return 1
    cat >"$SCN_C/httpd.conf" <<EOF
# ServerC's web service (written by tests/scenario/lib.sh): Negotiate only.
ServerRoot $SCN_C
ServerName serverc.$SCN_DOMAIN
Listen 127.0.0.4:$1
PidFile $SCN_C/httpd.pid
DefaultRuntimeDir $SCN_C/httpd-run
Mutex file:$SCN_C/httpd-run default
ErrorLog $SCN_HTTP_LOG
LogLevel info auth_gssapi:debug
LoadModule mpm_prefork_module $m/mod_mpm_prefork.so
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authz_user_module $m/mod_authz_user.so
LoadModule auth_gssapi_module $m/mod_auth_gssapi.so
LoadModule dir_module $m/mod_dir.so
LoadModule include_module $m/mod_include.so
LogFormat "%h %u \"%r\" %>s" scn
CustomLog $SCN_HTTP_ACCESS scn
User www-data
Group www-data
StartServers 1
MinSpareServers 1
MaxSpareServers 2
MaxRequestWorkers 4
DocumentRoot $SCN_C/www
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory $SCN_C/www>
    Options +Includes
    SetOutputFilter INCLUDES
    DirectoryIndex index.shtml
    AuthType GSSAPI
    AuthName "serverc"
    GssapiCredStore keytab:$SCN_C/http.keytab
    GssapiBasicAuth Off
    Require valid-user
</Directory>
EOF
}

_scn_start_http() {
    local attempt port
    for attempt in 1 2 3; do
        port=$(realm_free_port) || return 1
        _scn_http_config "$port" || return 1
        apache2 -t -f "$SCN_C/httpd.conf" >"$SCN_C/httpd-t.out" 2>&1 ||
            { _scn_err "ServerC's httpd.conf is invalid: $(cat "$SCN_C/httpd-t.out")"; return 1; }
        _scn_serverc_spawn env -i PATH="$SCN_DAEMON_PATH" LANG=C \
            apache2 -f "$SCN_C/httpd.conf" -DFOREGROUND
        SCN_HTTP_PID=$_SCN_SPAWNED
        if _scn_wait_listen "$SCN_HTTP_PID" 127.0.0.4 "$port"; then
            SCN_HTTP_PORT=$port
            return 0
        fi
        _scn_err "Apache (attempt $attempt, port $port) did not start: $(cat "$SCN_C/daemons.out" "$SCN_HTTP_LOG" 2>/dev/null)"
        proc_stop "$SCN_HTTP_PID" "${_SCN_C_SPAWN[@]}" apache2
        SCN_HTTP_PID=
    done
    return 1
}

# --- start and stop ----------------------------------------------------------------

# Everything scn_start started, in reverse order; then the world.
scn_stop() {
    local name
    for name in "${!_SCN_PID[@]}"; do scn_close "$name"; done
    proc_stop "${SCN_HTTP_PID:-}" "${_SCN_C_SPAWN[@]}" apache2
    SCN_HTTP_PID=
    _scn_kill_children "${SCN_C_PID:-}" sshd
    proc_stop "${SCN_C_PID:-}" "${_SCN_C_SPAWN[@]}" sshd
    SCN_C_PID=
    _scn_kill_children "${SCN_B_PID:-}" sshd
    proc_stop "${SCN_B_PID:-}" "${_SCN_B_PROGRAMS[@]}"
    SCN_B_PID=
    proc_stop "${SCN_C_SYSLOG_PID:-}" "$(basename "$S4U_SYSLOG_SINK")"
    SCN_C_SYSLOG_PID=
    s4u_world_stop
}

_scn_check_prerequisites() {
    local f
    for f in /usr/sbin/sshd ssh ssh-keygen sshpass apache2 curl klist setpriv unshare; do
        command -v "$f" >/dev/null || bail_out "missing $f (run: bash tests/install-deps.sh)"
    done
    [[ -f /usr/lib/apache2/modules/mod_auth_gssapi.so ]] ||
        bail_out "missing mod_auth_gssapi (run: bash tests/install-deps.sh)"
    getent passwd sshd >/dev/null || bail_out "no sshd privilege separation user"
    getent passwd www-data >/dev/null || bail_out "no www-data user"
    [[ $SCN_CACHE != kcm ]] || command -v ldbsearch >/dev/null ||
        bail_out "missing ldbsearch (run: bash tests/install-deps.sh)"
}

# scn_start: the world of s4u.sh, then the three hosts.  Call after ns_reexec.
scn_start() {
    _scn_check_prerequisites
    [[ ${S4U_SCENARIO_BREAK:-} == "" ]] ||
        diag "S4U_SCENARIO_BREAK=$S4U_SCENARIO_BREAK: this run is expected to fail"
    s4u_world_start
    trap scn_stop EXIT
    SCN_A=$S4U_TEST_DIR/servera SCN_B=$S4U_TEST_DIR/serverb SCN_C=$S4U_TEST_DIR/serverc
    SCN_SESSIONS=$S4U_TEST_DIR/sessions
    SCN_B_LOG=$SCN_B/sshd.log SCN_C_LOG=$SCN_C/sshd.log SCN_C_SYSLOG=$SCN_C/syslog
    SCN_HTTP_LOG=$SCN_C/httpd-error.log SCN_HTTP_ACCESS=$SCN_C/httpd-access.log
    mkdir -m 0755 "$SCN_A" "$SCN_B" "$SCN_C" || bail_out "cannot create the host directories"
    mkdir -m 0700 "$SCN_SESSIONS" || bail_out "cannot create the sessions directory"
    _scn_private_dirs || bail_out "cannot mount the private /run, /var/log, /var/tmp, /root"
    _scn_accounts || bail_out "cannot create the accounts"
    # ServerC keeps the stock PAM files: copy them before ServerB's are changed.
    cp -a /etc/pam.d "$SCN_C/pam.d" || bail_out "cannot copy /etc/pam.d for ServerC"
    grep -q pam_s4u "$SCN_C/pam.d/sshd" && bail_out "the machine's /etc/pam.d/sshd already uses pam_s4u"
    _scn_principals || bail_out "cannot set up ServerC's HTTP principal"
    # shellcheck disable=SC2119 # the default line, no extra ARGS
    scn_serverb_pam || bail_out "cannot install ServerB's PAM service"
    _scn_host_keys || bail_out "cannot create the host keys"
    _scn_serverc_syslog || bail_out "ServerC's syslog did not start"
    _scn_start_serverc_sshd || bail_out "ServerC's sshd did not start"
    _scn_start_http || bail_out "ServerC's Apache did not start"
    # shellcheck disable=SC2034 # for the tests' scn_in commands
    SCN_CURL="curl --negotiate -u : -sS -f --noproxy '*' --interface 127.0.0.3 http://serverc.$SCN_DOMAIN:$SCN_HTTP_PORT/"
    # After ServerC started: its namespace keeps the stock krb5.conf.
    _scn_cache_type || bail_out "cannot make ServerB a host of cache type $SCN_CACHE"
    diag "ServerB's cache type: $SCN_CACHE (S4U_SCN_CACHE)"
    _scn_start_serverb || bail_out "ServerB's sshd did not start"
    _scn_keys || bail_out "cannot create the users' SSH keys"
    _scn_servera_config || bail_out "cannot write ServerA's ssh_config"
    _scn_serverb_client_config || bail_out "cannot install ServerB's ssh_config"
}
