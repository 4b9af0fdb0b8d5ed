# shellcheck shell=bash
# samba.sh: a Samba AD domain controller (Debian's samba 4.17) for tests.
#
# The DC runs inside the test's private mount, UTS and network namespace
# (ns_reexec with S4U_NS_NET=1): it binds the Kerberos and LDAP ports of
# 127.0.0.10 on the namespace's own loopback, so it never meets a daemon of
# the machine's, and everything it writes lives on a tmpfs mounted over
# /var/lib/samba in that namespace.
#
#   samba_start        provision (or restore the cached provision), create the
#                      accounts below, start the DC, wait until it answers
#   samba_stop         stop the DC (by its recorded pid); safe to call twice
#   samba_krb5conf FILE [EXTRA]   client krb5.conf for the AD realm, with no
#                      "forwardable = true" (the module asks for it itself);
#                      EXTRA is appended verbatim
#   samba_ldbmodify    ldbmodify on the DC's database, LDIF on stdin
#                      (the DC's name is dc1.ad.example.test, 127.0.0.10)
#   samba_tool ARGS... samba-tool with the DC's smb.conf
#
# The domain: realm AD.EXAMPLE.TEST, NetBIOS domain ADLAB, DC dc1 (127.0.0.10).
#   SERVERB$   the jump host's computer account, made as realm join makes it
#              (samba-tool computer create, which leaves it disabled and
#              without a password; then a password, AES enctypes, dNSHostName
#              and host/ SPNs), trusted to authenticate for delegation
#              ("any protocol") to host/ and cifs/ of serverc, and to
#              host/nospn (an SPN nobody holds).  Keytab $SAMBA_DIR/serverb.keytab:
#              SERVERB$ plus its host/ names, as adcli and net ads write it.
#   SERVERC$   the back end: host/, cifs/ serverc; keytab $SAMBA_DIR/serverc.keytab;
#              and ten more services (SAMBA_EXTRA_SERVICES) SERVERB$ may
#              delegate to, enough tickets to fill a user's keyring quota
#   SERVERD$   a back end SERVERB$ may not delegate to: host/, http/ serverd
#   alice      an ordinary user (UPN alice@ad.example.test)
#   alice2     a user whose UPN suffix is not the realm's: alice2@corp.example.test
#   sensitive  "Account is sensitive and cannot be delegated" (NOT_DELEGATED)
#   Administrator, the domain's own (no UPN, as provisioned)
#
# Provisioning takes a few seconds; the provisioned directory is kept as a
# tarball under $SAMBA_CACHE (default: build/samba-cache of the checkout),
# keyed by the Samba version and this file, and restored by later tests.
# Tests never depend on each other: a missing cache is made again.

SAMBA_REALM=AD.EXAMPLE.TEST
SAMBA_DNS_DOMAIN=ad.example.test
SAMBA_NETBIOS=ADLAB
SAMBA_DC_IP=127.0.0.10
SAMBA_ADMINPASS='s4u-Adm1n-Passw0rd!'
SAMBA_ROOT=/var/lib/samba
SAMBA_DIR=$SAMBA_ROOT/s4u-dc
SAMBA_CONF=$SAMBA_DIR/etc/smb.conf
SAMBA_START_TIMEOUT=${SAMBA_START_TIMEOUT:-30}
SAMBA_PID=
SAMBA_LIB_FILE=${BASH_SOURCE[0]}

# shellcheck source=tests/harness/proc.sh
. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

_samba_err() {
    printf 'samba.sh: %s\n' "$*" >&2
}

# Refuse to run outside a network namespace of our own: the DC takes port 88.
_samba_check_private() {
    if [[ ${S4U_IN_NS:-} != 1 || -z ${S4U_OUTER_NETNS:-} ||
        $(readlink /proc/self/ns/net) == "$S4U_OUTER_NETNS" ]]; then
        _samba_err "not inside a private network namespace (ns_reexec with S4U_NS_NET=1)"
        return 1
    fi
    _ns_check_private
}

# samba_tool ARGS...: samba-tool on the DC's configuration.
samba_tool() {
    samba-tool "$@" -s "$SAMBA_CONF"
}

# samba_ldbmodify: apply LDIF from stdin to the DC's database.
samba_ldbmodify() {
    ldbmodify -H "$SAMBA_DIR/private/sam.ldb"
}

# The cache key: Samba's version and this file's contents.
_samba_cache_file() {
    local key
    key=$( { samba --version; cat "$SAMBA_LIB_FILE"; } | sha256sum | cut -c1-16) || return 1
    printf '%s/dc-%s.tar\n' "${SAMBA_CACHE:-$S4U_SRC/build/samba-cache}" "$key"
}

# Provision the domain into $SAMBA_DIR.
_samba_provision() {
    samba-tool domain provision --use-rfc2307 --realm="$SAMBA_REALM" \
        --domain="$SAMBA_NETBIOS" --server-role=dc --dns-backend=NONE \
        --host-name=DC1 --host-ip="$SAMBA_DC_IP" --adminpass="$SAMBA_ADMINPASS" \
        --targetdir="$SAMBA_DIR" \
        --option="interfaces=$SAMBA_DC_IP" --option="bind interfaces only=yes" \
        --option="server services=kdc ldap" --option="tls enabled=no" \
        --option="log file=$SAMBA_DIR/log.samba" --option="log level=1" \
        >"$SAMBA_ROOT/provision.log" 2>&1 ||
        { _samba_err "provision failed:"; tail -n 20 "$SAMBA_ROOT/provision.log" >&2; return 1; }
}

# The computer and user accounts (see the top of this file).  One samba-tool
# call per account, the way an admin would, then one LDIF for the
# attributes samba-tool has no command for in 4.17.
SAMBA_EXTRA_SERVICES="HTTP nfs ldap imap smtp postgres wsman termsrv ftp pop"

# LDIF lines "ATTR: SVC/serverc.<domain>" for each extra service.
_samba_extra_lines() {
    local svc
    for svc in $SAMBA_EXTRA_SERVICES; do
        printf '%s: %s/serverc.%s\n' "$1" "$svc" "$SAMBA_DNS_DOMAIN"
    done
}

_samba_accounts() {
    local base=DC=ad,DC=example,DC=test h
    samba_tool user create alice 'Alice-Passw0rd!' >/dev/null &&
        samba_tool user create alice2 'Alice2-Passw0rd!' >/dev/null &&
        samba_tool user create sensitive 'Sens1tive-Passw0rd!' >/dev/null || return 1
    for h in SERVERB SERVERC SERVERD; do
        samba_tool computer create "$h" >/dev/null &&
            samba_tool user setpassword "$h\$" --newpassword="$h-s4u-Passw0rd-0123456789" >/dev/null ||
            return 1
    done
    # userAccountControl: 0x1000 workstation trust, 0x1000000 trusted to
    # authenticate for delegation; 0x200 normal account, 0x100000 not delegated;
    # msDS-SupportedEncryptionTypes 24 = AES128 + AES256.
    samba_ldbmodify >/dev/null <<EOF
dn: CN=alice2,CN=Users,$base
changetype: modify
replace: userPrincipalName
userPrincipalName: alice2@corp.example.test

dn: CN=sensitive,CN=Users,$base
changetype: modify
replace: userAccountControl
userAccountControl: $((0x200 | 0x100000))

dn: CN=SERVERB,CN=Computers,$base
changetype: modify
replace: userAccountControl
userAccountControl: $((0x1000 | 0x1000000))
-
replace: msDS-SupportedEncryptionTypes
msDS-SupportedEncryptionTypes: 24
-
replace: dNSHostName
dNSHostName: serverb.$SAMBA_DNS_DOMAIN
-
replace: servicePrincipalName
servicePrincipalName: host/serverb.$SAMBA_DNS_DOMAIN
servicePrincipalName: host/SERVERB
-
replace: msDS-AllowedToDelegateTo
msDS-AllowedToDelegateTo: host/serverc.$SAMBA_DNS_DOMAIN
msDS-AllowedToDelegateTo: cifs/serverc.$SAMBA_DNS_DOMAIN
msDS-AllowedToDelegateTo: host/nospn.$SAMBA_DNS_DOMAIN
$(_samba_extra_lines msDS-AllowedToDelegateTo)

dn: CN=SERVERC,CN=Computers,$base
changetype: modify
replace: msDS-SupportedEncryptionTypes
msDS-SupportedEncryptionTypes: 24
-
replace: dNSHostName
dNSHostName: serverc.$SAMBA_DNS_DOMAIN
-
replace: servicePrincipalName
servicePrincipalName: host/serverc.$SAMBA_DNS_DOMAIN
servicePrincipalName: cifs/serverc.$SAMBA_DNS_DOMAIN
servicePrincipalName: host/SERVERC
$(_samba_extra_lines servicePrincipalName)

dn: CN=SERVERD,CN=Computers,$base
changetype: modify
replace: msDS-SupportedEncryptionTypes
msDS-SupportedEncryptionTypes: 24
-
replace: servicePrincipalName
servicePrincipalName: host/serverd.$SAMBA_DNS_DOMAIN
servicePrincipalName: http/serverd.$SAMBA_DNS_DOMAIN
EOF
}

# The keytabs a join writes: the machine account and its host/ names.
_samba_keytabs() {
    local p
    for p in 'SERVERB$' "host/serverb.$SAMBA_DNS_DOMAIN" host/SERVERB; do
        samba_tool domain exportkeytab "$SAMBA_DIR/serverb.keytab" --principal="$p" >/dev/null ||
            return 1
    done
    samba_tool domain exportkeytab "$SAMBA_DIR/serverc.keytab" \
        --principal="host/serverc.$SAMBA_DNS_DOMAIN" >/dev/null &&
        chmod 0600 "$SAMBA_DIR/serverb.keytab" "$SAMBA_DIR/serverc.keytab"
}

# Restore the cached provision, or make it (and the cache).
_samba_prepare() {
    local cache t0
    cache=$(_samba_cache_file) || return 1
    if [[ -f $cache && -O $cache && ! -L $cache ]]; then
        tar -C "$SAMBA_ROOT" -xf "$cache" && return 0
        _samba_err "cannot restore $cache; provisioning again"
        rm -rf "$SAMBA_DIR"
    fi
    t0=$(date +%s.%N)
    _samba_provision && _samba_accounts && _samba_keytabs || return 1
    SAMBA_PROVISION_SECONDS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    export SAMBA_PROVISION_SECONDS
    # Older provisions (another Samba, another version of this file) go.
    rm -f "$(dirname "$cache")"/dc-*.tar
    if ! { mkdir -p "$(dirname "$cache")" && chmod 0700 "$(dirname "$cache")" &&
        tar -C "$SAMBA_ROOT" -cf "$cache.tmp.$$" s4u-dc && mv -f "$cache.tmp.$$" "$cache"; }; then
        _samba_err "cannot write the cache $cache (going on without)"
    fi
    return 0
}

# samba_krb5conf FILE [EXTRA]: a client krb5.conf for the AD realm.
samba_krb5conf() {
    cat >"$1" <<EOF || return 1
[libdefaults]
    default_realm = $SAMBA_REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false

[realms]
    $SAMBA_REALM = {
        kdc = $SAMBA_DC_IP
    }

[domain_realm]
    .$SAMBA_DNS_DOMAIN = $SAMBA_REALM
    $SAMBA_DNS_DOMAIN = $SAMBA_REALM
EOF
    if [[ -n ${2:-} ]]; then
        printf '\n%s\n' "$2" >>"$1" || return 1
    fi
    chmod 0644 "$1"
}

# True once the DC issues the jump host a ticket.
_samba_answers() {
    proc_alive "$SAMBA_PID" &&
        KRB5_CONFIG=$SAMBA_DIR/krb5.conf timeout 5 kinit -k -t "$SAMBA_DIR/serverb.keytab" \
            -c "FILE:$SAMBA_DIR/probe.ccache" 'SERVERB$' >"$SAMBA_DIR/probe.log" 2>&1
}

# samba_start: the DC, up and answering.  Sets SAMBA_PID, SAMBA_DIR.
samba_start() {
    local i
    _samba_check_private || return 1
    if ! command -v samba >/dev/null || ! command -v ldbmodify >/dev/null; then
        _samba_err "samba or ldb-tools missing (run: bash tests/install-deps.sh)"
        return 1
    fi
    ip addr add "$SAMBA_DC_IP/8" dev lo 2>/dev/null
    # No grep -q on a pipe: under pipefail an early exit fails the pipeline.
    [[ $(ip -o addr show dev lo) == *"inet $SAMBA_DC_IP/"* ]] ||
        { _samba_err "cannot give lo the address $SAMBA_DC_IP"; return 1; }
    mount -t tmpfs -o mode=0755,nosuid,nodev,size=256m s4u-samba "$SAMBA_ROOT" || return 1
    _samba_prepare || return 1
    samba_krb5conf "$SAMBA_DIR/krb5.conf" || return 1
    # In the foreground, as our child (not samba -i, which stops at the end
    # of its input); one process for every service.
    samba -F --no-process-group --debug-stdout -M single -s "$SAMBA_CONF" \
        </dev/null >"$SAMBA_DIR/samba.out" 2>&1 &
    SAMBA_PID=$!
    export SAMBA_PID SAMBA_DIR
    for ((i = 0; i < SAMBA_START_TIMEOUT * 10; i++)); do
        _samba_answers && return 0
        proc_alive "$SAMBA_PID" || break
        sleep 0.1
    done
    _samba_err "the DC did not answer; samba.out and the probe:"
    cat "$SAMBA_DIR/samba.out" "$SAMBA_DIR/probe.log" >&2 2>/dev/null
    samba_stop
    return 1
}

# samba_stop: stop the DC we started.
samba_stop() {
    proc_stop "${SAMBA_PID:-}" samba
    SAMBA_PID=
}
