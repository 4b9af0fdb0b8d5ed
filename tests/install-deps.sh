#!/bin/bash
# install-deps.sh: install the Debian packages needed to build and test pam-s4u.
# Idempotent: only packages that are not already installed are fetched.
# Installing slapd, krb5-kdc or samba may start system daemons; the test
# harness never uses or touches them (it runs its own under a temporary
# directory, and the Samba DC in a network namespace of its own).
set -euo pipefail

PACKAGES=(
    # build
    gcc clang make pkg-config libkrb5-dev libpam0g-dev libkeyutils-dev
    # lint and sanitizers
    cppcheck clang-format libclang-rt-14-dev shellcheck
    # KDC with the LDAP backend, and client tools
    krb5-kdc krb5-kdc-ldap krb5-admin-server krb5-user krb5-gss-samples
    slapd ldap-utils keyutils
    # test tools: prove, ss, unshare/setpriv/findmnt, logger/script, openssl passwd
    pamtester valgrind perl iproute2 util-linux bsdutils openssl gzip procps
    # the refresh units are checked with systemd-analyze verify (tests/install.t)
    systemd
    # s4uctl --json is checked with jq (tests/integration/70-s4uctl.t)
    jq
    # signals at an exact moment of the helper's work (tests/integration/55-signals.t)
    strace
    # a KDC with a skewed clock (libfaketime, tests/integration/80-faults.t)
    faketime
    # scenario tests and make demo: the three hosts (sshd on ServerB and
    # ServerC, Apache with mod_auth_gssapi on ServerC, the client on ServerA)
    openssh-server openssh-client sshpass apache2 libapache2-mod-auth-gssapi curl
    # KCM caches (default_ccache_name = KCM:): the tests start their own
    # sssd_kcm in a private namespace (tests/harness/kcm.sh), never the system's
    sssd-kcm
    # Active Directory tests (tests/ad/): a Samba 4.17 AD DC in the test's
    # own network namespace (tests/harness/samba.sh), ldbmodify for the
    # attributes samba-tool has no command for (ldb-tools; the KCM scenarios
    # also read sssd-kcm's database with its ldbsearch), and NSS's db source for
    # domain users (alice@ad.example.test, ADLAB\alice) outside /etc/passwd
    samba samba-ad-provision samba-dsdb-modules samba-vfs-modules ldb-tools
    libnss-db
)

# True if package $1 is installed.
installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#PACKAGES[@]} packages are installed"
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root to install)" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
