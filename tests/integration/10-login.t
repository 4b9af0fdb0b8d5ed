#!/usr/bin/env bash
# A login through a real PAM stack delegates exactly the allowed service
# tickets into the user's keyring cache, written as the user; a GSSAPI
# service accepts them; logout removes them.  Proves the cache invariants.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start

s4u_pam_service login "targets=$S4U_TARGETS" debug
ok "a GSSAPI service for serverc is up" s4u_start_gss_server

# --- one session: open, look inside, use, close --------------------------
s4u_login login alice open env \
    "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" \
    "run:gss-client -port $S4U_GSS_PORT serverc.example.test host@serverc.example.test hello" \
    "run:klist" close env
out=$RUN_OUTPUT
ccname=$(s4u_ccname)
run s4u_dump alice "$ccname"
after_close=$RUN_OUTPUT
like "$out" $'(^|\n)open: Success' "the session opens"
like "$ccname" '^KEYRING:persistent:61001:s4u_[0-9a-f]{16}$' \
    "KRB5CCNAME names a new cache in alice's persistent keyring collection"
like "$out" $'default alice@EXAMPLE.TEST\n' "the cache's default principal is alice"
creds=$(grep '^cred ' <<<"$out" | sort -u)
is "$(grep -c . <<<"$creds")" 2 "the cache holds exactly two tickets"
like "$creds" 'server=host/serverc.example.test@EXAMPLE.TEST' "a ticket for host/serverc"
like "$creds" 'server=cifs/serverc.example.test@EXAMPLE.TEST' "a ticket for cifs/serverc"
is "$(grep -vc 'client=alice@EXAMPLE.TEST ' <<<"$creds")" 0 "every ticket's client is alice"
unlike "$creds" 'tgt=1' "no TGT in the user's cache"
unlike "$creds" 'server=krbtgt' "no krbtgt ticket"
unlike "$creds" 'server=host/serverb' "no evidence ticket (server = the jump host)"
unlike "$creds" 'config=1' "no config entries (no proxy_impersonator)"
unlike "$creds" 'skey=[1-9]' "no ticket carries a second ticket"
like "$out" 'Signature verified' "gss-client authenticates to serverc with the delegated ticket"
# gss-server -once ends after its one client; if the login failed, no
# client came, and the test must not wait for it forever.
for ((i = 0; i < 50; i++)); do
    proc_alive "$S4U_GSS_PID" || break
    sleep 0.1
done
proc_stop "$S4U_GSS_PID" gss-server
S4U_GSS_PID=
like "$(cat "$S4U_TEST_DIR/gss-server.out")" \
    'alice@EXAMPLE.TEST' "serverc sees alice as the client"
like "$out" 'host/serverc.example.test@EXAMPLE.TEST' "klist lists the ticket"
like "$out" $'(^|\n)close: Success' "the session closes"
like "$after_close" "cannot read $ccname" "after close the cache is gone"
is "$(grep -c '^env: KRB5CCNAME=' <<<"$out")" 1 "after close KRB5CCNAME is unset"
ok "the summary is logged" syslog_wait \
    "pam_s4u\\(login:session\\): delegated 2 of 2 targets for user=alice into KEYRING:persistent:61001:s4u_"

# --- ownership and privacy --------------------------------------------------
s4u_login login alice open env
ccname=$(s4u_ccname)
sub=${ccname##*:}
keys=$(s4u_cache_keys alice "$ccname")
like "$keys" "^keyring;61001;$sub" "the cache keyring belongs to uid 61001"
is "$(cut -d';' -f2 <<<"$keys" | sort -u)" 61001 "every key in the cache belongs to uid 61001"
like "$keys" 'user;61001;host/serverc.example.test@EXAMPLE.TEST' "the host/serverc ticket is a key of alice's"
unlike "$keys" 'krbtgt|serverb' "no key for a TGT or for the jump host"
# shellcheck disable=SC2016 # runs in alice's shell
cache_key=$(as_user alice keyctl session - sh -c \
    'keyctl search "$(keyctl get_persistent @s)" keyring "$1"' sh "$sub" 2>/dev/null)
like "$cache_key" '^[0-9]+$' "alice can find her cache keyring"
nok "bob cannot read alice's cache through its name" s4u_dump bob "$ccname"
nok "bob cannot list alice's cache keyring" as_user bob keyctl rlist "$cache_key"
nok "bob cannot read alice's cache keyring" as_user bob keyctl describe "$cache_key"
nok "bob cannot reach alice's persistent keyring" as_user bob keyctl get_persistent @p 61001
ok "alice can read her cache" s4u_dump alice "$ccname"
s4u_clean_user alice

# --- the module decides nothing at auth time --------------------------------
s4u_login login alice auth
like "$RUN_OUTPUT" 'auth: Success' "pam_sm_authenticate returns PAM_IGNORE (stack result from pam_permit)"

# --- setcred ESTABLISH then open_session share one cache --------------------
syslog_clear
s4u_login login alice establish open env close
like "$RUN_OUTPUT" $'establish: Success\nopen: Success' "setcred and open_session both succeed"
is "$(syslog_grep 'delegated 2 of 2' | wc -l)" 1 "the KDC is asked once per login, not twice"
s4u_clean_user alice

# --- no key material in the log ---------------------------------------------
s4u_login login alice open close
unlike "$(cat "$S4U_TEST_DIR/syslog")" $'[\x01-\x08\x0e-\x1f\x7f]' "the log holds no binary data"
is "$(awk 'length > 1500' "$S4U_TEST_DIR/syslog" | wc -l)" 0 "no log line is long enough to hold a ticket"

done_testing
