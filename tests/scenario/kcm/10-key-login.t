#!/usr/bin/env bash
# tests/scenario/10-key-login.t on a KCM host: ServerB runs sssd-kcm and its
# krb5.conf says default_ccache_name = KCM: (S4U_SCN_CACHE in ../lib.sh).
S4U_SCN_CACHE=kcm exec bash "$(dirname "$0")/../10-key-login.t" "$@"
