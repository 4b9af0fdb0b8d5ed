# shellcheck shell=bash
# realm.sh: a throwaway MIT KDC with the LDAP (kldap) backend for integration tests.
#
# Everything lives under "$S4U_TEST_DIR/realm" (the caller creates S4U_TEST_DIR).
# slapd listens only on an ldapi:// socket in that directory; krb5kdc listens
# on 127.0.0.1 at a port picked at run time (UDP and TCP). Nothing here reads
# or writes the machine's /etc, and daemons are stopped by recorded pid only.
#
#   realm_start                         slapd + realm + KDC, waits until the KDC answers
#   realm_stop                          stop both daemons; removes the realm dir unless S4U_KEEP=1
#   realm_write_krb5conf FILE [EXTRA [KDC]]   client krb5.conf; EXTRA appended verbatim
#                                       (e.g. an "[appdefaults]" block), KDC = "host:port",
#                                       or several separated by spaces (tried in order)
#   realm_env cmd...                    run cmd with KRB5_CONFIG/KRB5_KDC_PROFILE of the realm
#   realm_kadmin "query"                kadmin.local -q, non-zero on any error text
#   realm_addprinc PRINC [flags...]     addprinc -randkey [flags] PRINC
#   realm_adduser NAME PASSWORD         addprinc -pw PASSWORD NAME
#   realm_ktadd PRINC KEYTAB            ktadd -norandkey (keeps the kvno)
#   realm_allow_protocol_transition PRINC / realm_disallow_protocol_transition PRINC
#   realm_allow_delegation HOSTPRINC TARGETPRINC
#   realm_disallow_delegation HOSTPRINC [TARGETPRINC]   (no target: remove all)
#   realm_principal_dn PRINC            print the LDAP DN of PRINC's entry
#   realm_ldapsearch [ldapsearch args...]   search the realm's directory as the rootdn
#   realm_free_port                     print a port free on 127.0.0.1 for UDP and TCP
#   realm_ldap_stop / realm_ldap_start  stop slapd (the KDC's database) by its recorded
#                                       pid / start it again on the same data and wait
#                                       until the KDC answers again
#   realm_extra_kdc_start PORT [VAR=value...]   a second krb5kdc on 127.0.0.1:PORT over
#                                       the same database, VAR=value in its environment
#                                       (e.g. a libfaketime clock); realm_extra_kdc_stop
#
# After realm_start: REALM_DIR, REALM_KRB5_CONFIG, REALM_KDC_PROFILE,
# REALM_KDC_PORT, REALM_LDAP_URI, REALM_KDC_PID, REALM_SLAPD_PID
# (and REALM_EXTRA_KDC_PID while an extra KDC runs).
#
# The functions never rely on `set -e` (it is off inside `if`/`ok`); each
# checks its own steps and returns non-zero with a message on stderr.

REALM_NAME=EXAMPLE.TEST
REALM_SUFFIX=dc=example,dc=test
REALM_ROOTDN=cn=admin,dc=example,dc=test
REALM_ROOTPW=s4u-test-ldap-secret
REALM_MASTERPW=s4u-test-master-secret
REALM_CONTAINER_DN=cn=krbContainer,dc=example,dc=test
REALM_SCHEMA_GZ=/usr/share/doc/krb5-kdc-ldap/kerberos.schema.gz
REALM_START_TIMEOUT=${REALM_START_TIMEOUT:-15}

REALM_KDC_PID=
REALM_SLAPD_PID=
REALM_EXTRA_KDC_PID=

# shellcheck source=tests/harness/proc.sh
. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

_realm_err() {
    printf 'realm.sh: %s\n' "$*" >&2
}

# Percent-encode $1 for use as the host part of an ldapi:// URL.
_realm_urlencode() {
    local s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
        [A-Za-z0-9._~-]) out+=$c ;;
        *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s\n' "$out"
}

# realm_env cmd...: run cmd with the realm's private Kerberos configuration.
realm_env() {
    KRB5_CONFIG=$REALM_KRB5_CONFIG KRB5_KDC_PROFILE=$REALM_KDC_PROFILE "$@"
}

# realm_free_port: print a port that nothing listens on (UDP nor TCP).
realm_free_port() {
    local port i
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if [[ -z $(ss -Hlnut "( sport = :$port )" 2>/dev/null) ]]; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    _realm_err "no free port found"
    return 1
}

# Wait up to $2 seconds for the shell condition "$1" to become true, while
# process $3 (if given) stays alive.
_realm_wait_for() {
    local cond=$1 seconds=$2 pid=${3:-} i
    for ((i = 0; i < seconds * 10; i++)); do
        if eval "$cond"; then
            return 0
        fi
        if [[ -n $pid ]] && ! proc_alive "$pid"; then
            return 2
        fi
        sleep 0.1
    done
    eval "$cond"
}

# realm_write_krb5conf FILE [EXTRA [KDC]]: write a client krb5.conf for the realm.
# EXTRA is appended verbatim (include the section header, e.g. "[appdefaults]").
# KDC defaults to 127.0.0.1:$REALM_KDC_PORT; pass another to simulate a dead KDC,
# or several separated by spaces ("127.0.0.1:DEAD 127.0.0.1:LIVE") for failover.
# The file is rewritten in place (same inode), so bind mounts of it follow.
realm_write_krb5conf() {
    local file=$1 extra=${2:-} kdcs=${3:-127.0.0.1:${REALM_KDC_PORT:-}} kdc lines=''
    for kdc in $kdcs; do
        if [[ $kdc == *: ]]; then
            _realm_err "realm_write_krb5conf: need FILE and a KDC (is the realm started?)"
            return 1
        fi
        lines+="        kdc = $kdc"$'\n'
    done
    if [[ -z $file || -z $lines ]]; then
        _realm_err "realm_write_krb5conf: need FILE and a KDC (is the realm started?)"
        return 1
    fi
    cat >"$file" <<EOF || return 1
[libdefaults]
    default_realm = $REALM_NAME
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    forwardable = true

[realms]
    $REALM_NAME = {
${lines}    }

[domain_realm]
    .example.test = $REALM_NAME
    example.test = $REALM_NAME

[appdefaults]
    # This realm's principals belong to the local (/etc/passwd) accounts
    # of the test world, as in an MIT realm without a directory for NSS.
    pam_s4u = {
        local_accounts = true
    }
EOF
    if [[ -n $extra ]]; then
        printf '\n%s\n' "$extra" >>"$file" || return 1
    fi
    chmod 0644 "$file"
}

# Write kdc.conf (KDC listening on 127.0.0.1:$1, LDAP backend over ldapi).
_realm_write_kdcconf() {
    cat >"$REALM_KDC_PROFILE" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$1
    kdc_tcp_listen = 127.0.0.1:$1

[realms]
    $REALM_NAME = {
        database_module = ldapconf
        key_stash_file = $REALM_DIR/master.stash
        acl_file = $REALM_DIR/kadm5.acl
        max_life = 10h
        max_renewable_life = 7d
    }

[dbmodules]
    ldapconf = {
        db_library = kldap
        ldap_kerberos_container_dn = $REALM_CONTAINER_DN
        ldap_kdc_dn = $REALM_ROOTDN
        ldap_kadmind_dn = $REALM_ROOTDN
        ldap_service_password_file = $REALM_DIR/ldap.stash
        ldap_servers = $REALM_LDAP_URI
        ldap_conns_per_server = 2
    }

[logging]
    kdc = FILE:$REALM_DIR/kdc.log
    admin_server = FILE:$REALM_DIR/kadmin.log
    default = FILE:$REALM_DIR/krb5.log
EOF
}

# Write slapd.conf: mdb database, standard schemas plus the Kerberos schema.
_realm_write_slapdconf() {
    gzip -dc "$REALM_SCHEMA_GZ" >"$REALM_DIR/kerberos.schema" || return 1
    cat >"$REALM_DIR/slapd.conf" <<EOF || return 1
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include $REALM_DIR/kerberos.schema

pidfile $REALM_DIR/slapd.pid
argsfile $REALM_DIR/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
loglevel none

database mdb
maxsize 104857600
suffix "$REALM_SUFFIX"
rootdn "$REALM_ROOTDN"
rootpw $REALM_ROOTPW
directory $REALM_DIR/ldap-db
index objectClass eq
index krbPrincipalName eq,pres,sub
# Only the rootdn (which bypasses ACLs) may read anything.
access to * by * none
EOF
    mkdir -p "$REALM_DIR/ldap-db"
}

# Run an LDAP client tool against our slapd as the rootdn.
_realm_ldap() {
    local tool=$1
    shift
    "$tool" -x -H "$REALM_LDAP_URI" -D "$REALM_ROOTDN" -w "$REALM_ROOTPW" "$@"
}

# realm_ldapsearch [args...]: ldapsearch as the rootdn, unwrapped LDIF, base = suffix.
realm_ldapsearch() {
    _realm_ldap ldapsearch -LLL -o ldif-wrap=no -b "$REALM_SUFFIX" "$@"
}

# Run slapd in the foreground (-d 0) as our child and wait until it answers.
_realm_run_slapd() {
    slapd -d 0 -f "$REALM_DIR/slapd.conf" -h "$REALM_LDAP_URI" \
        </dev/null >>"$REALM_DIR/slapd.log" 2>&1 &
    REALM_SLAPD_PID=$!
    if ! _realm_wait_for "_realm_ldap ldapwhoami >/dev/null 2>&1" \
        "$REALM_START_TIMEOUT" "$REALM_SLAPD_PID"; then
        _realm_err "slapd did not come up; slapd.log:"
        cat "$REALM_DIR/slapd.log" >&2
        return 1
    fi
}

# Write slapd.conf, start slapd and create the suffix entry.
_realm_start_slapd() {
    _realm_write_slapdconf || { _realm_err "cannot write slapd.conf"; return 1; }
    : >"$REALM_DIR/slapd.log"
    _realm_run_slapd || return 1
    _realm_ldap ldapadd >"$REALM_DIR/ldapadd.log" 2>&1 <<EOF || { cat "$REALM_DIR/ldapadd.log" >&2; return 1; }
dn: $REALM_SUFFIX
objectClass: dcObject
objectClass: organization
o: example.test
dc: example
EOF
}

# Create the realm in LDAP, stash the master key and the LDAP service password.
_realm_create_db() {
    local log=$REALM_DIR/kdb5_ldap_util.log
    realm_env kdb5_ldap_util -D "$REALM_ROOTDN" -w "$REALM_ROOTPW" -H "$REALM_LDAP_URI" \
        create -subtrees "$REALM_SUFFIX" -r "$REALM_NAME" -s -P "$REALM_MASTERPW" \
        </dev/null >"$log" 2>&1 || { _realm_err "kdb5_ldap_util create failed:"; cat "$log" >&2; return 1; }
    # stashsrvpw prompts twice for the password; it reads the answers from stdin.
    printf '%s\n%s\n' "$REALM_ROOTPW" "$REALM_ROOTPW" |
        realm_env kdb5_ldap_util -D "$REALM_ROOTDN" -w "$REALM_ROOTPW" -H "$REALM_LDAP_URI" \
            stashsrvpw -f "$REALM_DIR/ldap.stash" "$REALM_ROOTDN" >>"$log" 2>&1 ||
        { _realm_err "kdb5_ldap_util stashsrvpw failed:"; cat "$log" >&2; return 1; }
    [[ -s $REALM_DIR/ldap.stash ]] || { _realm_err "no ldap.stash written"; return 1; }
    printf '*/admin@%s *\n' "$REALM_NAME" >"$REALM_DIR/kadm5.acl"
}

# Write kdc.conf and krb5.conf for KDC port $1.
_realm_write_configs() {
    REALM_KDC_PORT=$1
    _realm_write_kdcconf "$1" && realm_write_krb5conf "$REALM_KRB5_CONFIG"
}

# Start krb5kdc in the foreground (-n) as our child on port $1.
_realm_spawn_kdc() {
    _realm_write_configs "$1" || return 1
    # Through env(1), not the realm_env function, so that $! is krb5kdc itself.
    env KRB5_CONFIG="$REALM_KRB5_CONFIG" KRB5_KDC_PROFILE="$REALM_KDC_PROFILE" \
        krb5kdc -n -r "$REALM_NAME" </dev/null >>"$REALM_DIR/krb5kdc.out" 2>&1 &
    REALM_KDC_PID=$!
}

# True if process $3 itself (not some other process) holds a socket of
# type $1 (t|u) listening on port $2.
_realm_listens() {
    ss -Hlnp"$1" "( sport = :$2 )" 2>/dev/null | grep -q "pid=$3,"
}

# True if our KDC holds socket type $1 (t|u) on its port.
_realm_kdc_listens() {
    _realm_listens "$1" "$REALM_KDC_PORT" "$REALM_KDC_PID"
}

# True once the KDC listens on UDP and TCP and issues a ticket for the probe.
_realm_kdc_answers() {
    proc_alive "$REALM_KDC_PID" && _realm_kdc_listens t && _realm_kdc_listens u &&
        realm_env timeout 5 kinit -k -t "$REALM_DIR/probe.keytab" \
            -c "FILE:$REALM_DIR/probe.ccache" "s4u-harness-probe@$REALM_NAME" \
            >"$REALM_DIR/probe.log" 2>&1
}

# Start the KDC on a free port and wait until it answers; retry a few ports
# in case another process grabs ours between the check and the bind.
_realm_start_kdc() {
    local attempt port rc
    realm_addprinc s4u-harness-probe >/dev/null || return 1
    realm_ktadd s4u-harness-probe "$REALM_DIR/probe.keytab" >/dev/null || return 1
    port=$REALM_KDC_PORT
    for attempt in 1 2 3; do
        [[ $attempt -eq 1 ]] || port=$(realm_free_port) || return 1
        _realm_spawn_kdc "$port" || return 1
        rc=0
        _realm_wait_for _realm_kdc_answers "$REALM_START_TIMEOUT" "$REALM_KDC_PID" || rc=$?
        [[ $rc -ne 0 ]] || return 0
        _realm_err "KDC attempt $attempt on port $port failed"
        proc_stop "$REALM_KDC_PID" krb5kdc || return 1
        REALM_KDC_PID=
    done
    _realm_err "KDC did not answer; kdc.log and probe output:"
    cat "$REALM_DIR/kdc.log" "$REALM_DIR/krb5kdc.out" "$REALM_DIR/probe.log" >&2 2>/dev/null
    return 1
}

# realm_start: bring up slapd, the realm and the KDC under $S4U_TEST_DIR/realm.
realm_start() {
    local sock
    if [[ -z ${S4U_TEST_DIR:-} || ! -d $S4U_TEST_DIR ]]; then
        _realm_err "S4U_TEST_DIR must name an existing directory"
        return 1
    fi
    [[ -r $REALM_SCHEMA_GZ ]] || { _realm_err "missing $REALM_SCHEMA_GZ (krb5-kdc-ldap)"; return 1; }
    REALM_DIR=$S4U_TEST_DIR/realm
    REALM_KRB5_CONFIG=$REALM_DIR/krb5.conf
    REALM_KDC_PROFILE=$REALM_DIR/kdc.conf
    sock=$REALM_DIR/ldapi
    if [[ ${#sock} -ge 100 ]]; then
        _realm_err "socket path too long for AF_UNIX: $sock"
        return 1
    fi
    REALM_LDAP_URI=ldapi://$(_realm_urlencode "$sock")
    mkdir -p "$REALM_DIR" && chmod 0700 "$REALM_DIR" || return 1
    export REALM_DIR REALM_KRB5_CONFIG REALM_KDC_PROFILE REALM_LDAP_URI
    _realm_write_configs "$(realm_free_port)" || return 1
    _realm_start_slapd || return 1
    _realm_create_db || return 1
    _realm_start_kdc || return 1
    export REALM_KDC_PORT REALM_KDC_PID REALM_SLAPD_PID
    # Inside the test namespace, point /etc/krb5.conf at the realm too.
    if [[ ${S4U_NS_READY:-} == 1 ]] && declare -F ns_set_krb5conf >/dev/null; then
        ns_set_krb5conf "$REALM_KRB5_CONFIG" || return 1
    fi
}

# realm_ldap_stop: stop slapd (by its recorded pid); the KDC keeps running
# without its database.
realm_ldap_stop() {
    [[ -n ${REALM_SLAPD_PID:-} ]] || { _realm_err "realm_ldap_stop: slapd is not running"; return 1; }
    proc_stop "$REALM_SLAPD_PID" slapd || return 1
    REALM_SLAPD_PID=
}

# realm_ldap_start: start slapd again on the same data, then wait until the
# KDC (which reconnects on its own) issues a ticket again.
realm_ldap_start() {
    local rc=0
    [[ -z ${REALM_SLAPD_PID:-} ]] || { _realm_err "realm_ldap_start: slapd is running"; return 1; }
    _realm_run_slapd || return 1
    export REALM_SLAPD_PID
    _realm_wait_for _realm_kdc_answers "$REALM_START_TIMEOUT" "$REALM_KDC_PID" || rc=$?
    if [[ $rc -ne 0 ]]; then
        _realm_err "the KDC does not answer since slapd restarted; probe output:"
        cat "$REALM_DIR/probe.log" >&2
        return 1
    fi
}

# The KDC's libfaketime preload library, if the faketime package is installed.
realm_faketime_lib() {
    local lib
    for lib in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
        [[ -r $lib ]] && { printf '%s\n' "$lib"; return 0; }
    done
    _realm_err "libfaketime not found (Debian package faketime)"
    return 1
}

# realm_extra_kdc_start PORT [VAR=value...]: a second krb5kdc on
# 127.0.0.1:PORT, serving the same database, with VAR=value added to its
# environment (e.g. LD_PRELOAD=$(realm_faketime_lib) FAKETIME=+1h for a
# KDC whose clock is an hour ahead). Waits until it listens on UDP and TCP.
realm_extra_kdc_start() {
    local port=$1 conf=$REALM_DIR/kdc-extra.conf rc=0
    shift
    [[ -z ${REALM_EXTRA_KDC_PID:-} ]] || { _realm_err "an extra KDC is already running"; return 1; }
    sed -e "s/^\( *kdc_listen = \).*/\1127.0.0.1:$port/" \
        -e "s/^\( *kdc_tcp_listen = \).*/\1127.0.0.1:$port/" \
        -e "s#FILE:$REALM_DIR/kdc.log#FILE:$REALM_DIR/kdc-extra.log#" \
        "$REALM_KDC_PROFILE" >"$conf" || return 1
    grep -q "kdc_listen = 127.0.0.1:$port\$" "$conf" || { _realm_err "cannot write $conf"; return 1; }
    # Through env(1), so that $! is krb5kdc itself.
    env KRB5_CONFIG="$REALM_KRB5_CONFIG" KRB5_KDC_PROFILE="$conf" "$@" \
        krb5kdc -n -r "$REALM_NAME" </dev/null >>"$REALM_DIR/krb5kdc-extra.out" 2>&1 &
    REALM_EXTRA_KDC_PID=$!
    export REALM_EXTRA_KDC_PID
    _realm_wait_for "_realm_listens t $port $REALM_EXTRA_KDC_PID && _realm_listens u $port $REALM_EXTRA_KDC_PID" \
        "$REALM_START_TIMEOUT" "$REALM_EXTRA_KDC_PID" || rc=$?
    if [[ $rc -ne 0 ]]; then
        _realm_err "the extra KDC did not start (exit $rc: 2 = it died):"
        cat "$REALM_DIR/krb5kdc-extra.out" >&2
        tail -n 5 "$REALM_DIR/kdc-extra.log" >&2 2>/dev/null
        realm_extra_kdc_stop
        return 1
    fi
}

# realm_extra_kdc_stop: stop the extra KDC (by its recorded pid), if any.
realm_extra_kdc_stop() {
    proc_stop "${REALM_EXTRA_KDC_PID:-}" krb5kdc || return 1
    REALM_EXTRA_KDC_PID=
}

# realm_stop: stop the KDC and slapd; remove the realm dir unless S4U_KEEP=1.
# Safe to call twice and from an EXIT trap. Non-zero if a daemon survived.
realm_stop() {
    local rc=0
    realm_extra_kdc_stop || rc=1
    proc_stop "${REALM_KDC_PID:-}" krb5kdc || rc=1
    REALM_KDC_PID=
    proc_stop "${REALM_SLAPD_PID:-}" slapd || rc=1
    REALM_SLAPD_PID=
    if [[ -n ${REALM_DIR:-} && -d $REALM_DIR ]]; then
        if [[ ${S4U_KEEP:-} == 1 ]]; then
            printf '# realm.sh: keeping %s\n' "$REALM_DIR" >&2
        else
            rm -rf "$REALM_DIR"
        fi
    fi
    return "$rc"
}

# realm_kadmin QUERY: kadmin.local -q QUERY. kadmin.local exits 0 on most
# errors, so any stderr line other than known chatter counts as failure.
# The "Authenticating as principal" banner is dropped from stdout.
realm_kadmin() {
    local outf errf rc=0 errs
    outf=$(mktemp "$REALM_DIR/kadmin-out.XXXXXX") || return 1
    errf=$(mktemp "$REALM_DIR/kadmin-err.XXXXXX") || return 1
    realm_env kadmin.local -r "$REALM_NAME" -q "$1" >"$outf" 2>"$errf" || rc=$?
    grep -v '^Authenticating as principal .* with password\.$' "$outf" || true
    errs=$(grep -Ev '^(Authenticating as principal .* with password\.|No policy specified for .*; defaulting to no policy|WARNING: no policy specified for .*; defaulting to no policy)$' "$errf" || true)
    rm -f "$outf" "$errf"
    if [[ $rc -ne 0 || -n $errs ]]; then
        _realm_err "kadmin.local -q '$1' failed (exit $rc): $errs"
        return 1
    fi
}

# Refuse names that would break kadmin's quoting or LDAP filters.
_realm_check_name() {
    if [[ -z $1 || $1 =~ [[:space:]\"\\*\(\)] ]]; then
        _realm_err "unsupported principal or path: '$1'"
        return 1
    fi
}

# Append @REALM if the principal has no realm.
_realm_full_name() {
    if [[ $1 == *@* ]]; then
        printf '%s\n' "$1"
    else
        printf '%s@%s\n' "$1" "$REALM_NAME"
    fi
}

# realm_addprinc PRINC [kadmin flags...]: principal with a random key.
realm_addprinc() {
    local princ=$1
    shift
    _realm_check_name "$princ" || return 1
    realm_kadmin "addprinc -randkey $* $princ"
}

# realm_adduser NAME PASSWORD: a user principal with a password.
realm_adduser() {
    _realm_check_name "$1" || return 1
    if [[ -z $2 || $2 == *\"* ]]; then
        _realm_err "realm_adduser: password must be non-empty and contain no double quote"
        return 1
    fi
    realm_kadmin "addprinc -pw \"$2\" $1"
}

# realm_ktadd PRINC KEYTAB: export the current keys (kvno unchanged).
realm_ktadd() {
    _realm_check_name "$1" && _realm_check_name "$2" || return 1
    realm_kadmin "ktadd -k \"$2\" -norandkey $1"
}

# realm_allow_protocol_transition PRINC: S4U2self may yield forwardable tickets.
realm_allow_protocol_transition() {
    _realm_check_name "$1" || return 1
    realm_kadmin "modprinc +ok_to_auth_as_delegate $1"
}

# realm_disallow_protocol_transition PRINC
realm_disallow_protocol_transition() {
    _realm_check_name "$1" || return 1
    realm_kadmin "modprinc -ok_to_auth_as_delegate $1"
}

# realm_principal_dn PRINC: print the DN of the principal's LDAP entry.
realm_principal_dn() {
    local full out dn
    _realm_check_name "$1" || return 1
    full=$(_realm_full_name "$1")
    out=$(realm_ldapsearch "(krbPrincipalName=$full)" dn) || return 1
    dn=$(printf '%s\n' "$out" | sed -n 's/^dn: //p')
    if [[ -z $dn ]]; then
        # Base64 form ("dn:: ...") if the DN has unusual characters.
        dn=$(printf '%s\n' "$out" | sed -n 's/^dn:: //p' | base64 -d 2>/dev/null)
    fi
    if [[ -z $dn || $dn == *$'\n'* ]]; then
        _realm_err "no unique LDAP entry for $full"
        return 1
    fi
    printf '%s\n' "$dn"
}

# Apply one modify operation ($1 = add|delete) of krbAllowedToDelegateTo.
# Already present (20) / already absent (16) count as success.
_realm_modify_delegation() {
    local op=$1 host=$2 target=${3:-} dn rc=0 out
    dn=$(realm_principal_dn "$host") || return 1
    out=$(_realm_ldap ldapmodify 2>&1 <<EOF
dn: $dn
changetype: modify
$op: krbAllowedToDelegateTo
${target:+krbAllowedToDelegateTo: $target}
EOF
    ) || rc=$?
    if [[ $rc -ne 0 && $rc -ne 16 && $rc -ne 20 ]]; then
        _realm_err "ldapmodify ($op krbAllowedToDelegateTo on $dn) failed: $out"
        return 1
    fi
}

# realm_allow_delegation HOSTPRINC TARGETPRINC: permit S4U2proxy to TARGETPRINC.
realm_allow_delegation() {
    _realm_check_name "$2" || return 1
    _realm_modify_delegation add "$1" "$(_realm_full_name "$2")"
}

# realm_disallow_delegation HOSTPRINC [TARGETPRINC]: drop one target, or all.
realm_disallow_delegation() {
    local target=
    if [[ -n ${2:-} ]]; then
        _realm_check_name "$2" || return 1
        target=$(_realm_full_name "$2")
    fi
    _realm_modify_delegation delete "$1" "$target"
}
