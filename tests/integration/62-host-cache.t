#!/usr/bin/env bash
# The jump host's TGT kept between logins (host_cache=, /run/pam_s4u by
# default, a private tmpfs /run in the test namespace), and S4U2proxy for
# many targets at once:
#   - a second login makes no AS exchange; no user cache ever holds the
#     host's TGT or a ticket of the host's;
#   - a burst of 20 concurrent logins: every one gets its tickets, and the
#     KDC issues the host at most two TGTs;
#   - a corrupt, foreign-owned or symlinked cache file is never used and
#     is replaced; a directory with unsafe owner or mode is never used
#     (every login then gets a TGT of its own) and is left alone;
#   - s4uctl status shows the kept TGT (principal, state, end), s4uctl purge
#     drops it; host_cache=none keeps nothing;
#   - 20 targets, every other one refused: the 10 others are delegated,
#     and the log lists the refusals in the configured order.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start

DIR=/run/pam_s4u
FILE="$DIR/host%2Fserverb.example.test@EXAMPLE.TEST.cc"

# as_count: TGTs the KDC has issued the jump host so far.
as_count() {
    grep -c "AS_REQ.*ISSUE.*$S4U_HOST@EXAMPLE.TEST for krbtgt/EXAMPLE.TEST" "$REALM_DIR/kdc.log"
}

# both_only TEXT: a login's output whose cache (dumped by its "run" step)
# held the two targets and nothing else: no TGT, nothing of the host's.
# shellcheck disable=SC2317 # called through ok
both_only() {
    [[ $1 == *KRB5CCNAME=* && $(grep -c '^cred ' <<<"$1") == 2 ]] &&
        ! grep -E '^cred ' <<<"$1" | grep -qE 'server=krbtgt|serverb|tgt=1|client=host'
}

# got_both: the last login (s4u_login ... DUMP) got both tickets only.
# shellcheck disable=SC2317 # called through ok
got_both() {
    both_only "$RUN_OUTPUT"
}

DUMP=(open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close)

# file_id: inode and mtime of the kept cache, to see whether it changed.
file_id() {
    stat -c '%i %Y.%y' "$FILE" 2>/dev/null
}

ctl() {
    run timeout 60 "$S4U_BUILD/s4uctl" --service "$S4U_TEST_DIR/pam.d/login" "$@"
}

s4u_pam_service login "targets=$S4U_TARGETS"

# --- the first login keeps the TGT, the next ones reuse it --------------------
before=$(as_count)
s4u_login login alice "${DUMP[@]}"
ok "first login: both tickets, nothing of the host's" got_both
is "$(stat -c '%U %a %F' "$DIR")" "root 700 directory" "$DIR is made root's, 0700"
is "$(stat -c '%U %a %h' "$FILE")" "root 600 1" "the kept cache is root's, 0600, one link"
dump=$("$S4U_BUILD/tools/ccdump" "FILE:$FILE")
like "$dump" "default $S4U_HOST@EXAMPLE.TEST" "it is the host's"
is "$(grep '^cred ' <<<"$dump" | grep -v 'config=1' | grep -c 'server=krbtgt/EXAMPLE.TEST@EXAMPLE.TEST')" 1 \
    "it holds the host's TGT"
unlike "$dump" 'client=alice' "and no evidence ticket (per user, per login, never kept)"
is "$(($(as_count) - before))" 1 "the first login made one AS exchange"
before=$(as_count)
for i in 1 2 3; do s4u_login login alice "${DUMP[@]}"; done
ok "later logins get their tickets" got_both
is "$(($(as_count) - before))" 0 "three more logins made no AS exchange"
s4u_clean_user alice

# --- a burst of concurrent logins -----------------------------------------------
# Into a FILE collection: 40 tickets do not fit alice's keyring quota.
mkdir -m 1777 "$S4U_TEST_DIR/fcc"
s4u_pam_service burst "targets=$S4U_TARGETS" "ccache=FILE:$S4U_TEST_DIR/fcc/cc_%{uid}"
rm -f "$DIR"/*
before=$(as_count)
pids=()
for i in $(seq 1 20); do
    timeout 60 "$S4U_BUILD/tools/pam_driver" "$S4U_TEST_DIR/pam.d" burst alice "${DUMP[@]}" \
        >"$S4U_TEST_DIR/burst.$i" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
good=0
for i in $(seq 1 20); do
    out=$(cat "$S4U_TEST_DIR/burst.$i")
    if both_only "$out"; then
        good=$((good + 1))
    else
        diag "login $i: $out"
    fi
done
is "$good" 20 "a burst of 20 concurrent logins: every one gets both tickets"
burst=$(($(as_count) - before))
ok "and the KDC issued the host at most 2 TGTs (it issued $burst)" test "$burst" -le 2 -a "$burst" -ge 1
s4u_clean_user alice

# --- a corrupt, foreign or symlinked cache file -----------------------------------
head -c 300 /dev/urandom >"$FILE"
before=$(as_count)
s4u_login login alice "${DUMP[@]}"
ok "a corrupt kept cache: the login still gets its tickets" got_both
is "$(($(as_count) - before))" 1 "with a new TGT"
like "$("$S4U_BUILD/tools/ccdump" "FILE:$FILE")" "default $S4U_HOST@" "which replaced the corrupt file"

chown alice "$FILE"
before=$(as_count)
s4u_login login alice "${DUMP[@]}"
ok "a kept cache that root does not own: the login gets its tickets" got_both
is "$(($(as_count) - before))" 1 "with a new TGT, not the foreign file's"
is "$(stat -c %U "$FILE")" root "the file is root's again"

chmod 0644 "$FILE"
before=$(as_count)
s4u_login login alice open close
is "$(($(as_count) - before))" 1 "a kept cache readable by others is not used"
is "$(stat -c %a "$FILE")" 600 "and is replaced by a 0600 one"

cp "$FILE" "$S4U_TEST_DIR/elsewhere.cc"
rm -f "$FILE"
ln -s "$S4U_TEST_DIR/elsewhere.cc" "$FILE"
before=$(as_count)
s4u_login login alice open close
is "$(($(as_count) - before))" 1 "a symlink in place of the kept cache is not followed"
ok "and is replaced by a regular file" test -f "$FILE" -a ! -L "$FILE"
s4u_clean_user alice

# --- an unsafe directory is never used ---------------------------------------------
chmod 0755 "$DIR"
id1=$(file_id)
before=$(as_count)
s4u_login login alice "${DUMP[@]}"
ok "a 0755 $DIR: the login still gets its tickets" got_both
s4u_login login alice open close
is "$(($(as_count) - before))" 2 "but each login gets a TGT of its own"
is "$(file_id)" "$id1" "and the file in the refused directory is left alone"
ctl status
like "$RUN_OUTPUT" "kept host credentials: $DIR: not used.*mode 0755.*must be root's and mode 0700" \
    "s4uctl status says why the directory is not used"
chmod 0700 "$DIR"

chown alice "$DIR"
before=$(as_count)
s4u_login login alice open close
is "$(($(as_count) - before))" 1 "a $DIR that alice owns is not used"
is "$(file_id)" "$id1" "nor written"
chown root "$DIR"

mv "$DIR" /run/elsewhere
ln -s /run/elsewhere "$DIR"
before=$(as_count)
s4u_login login alice "${DUMP[@]}"
ok "$DIR a symlink: the login gets its tickets" got_both
is "$(($(as_count) - before))" 1 "with a TGT of its own: the symlink is not followed"
rm -f "$DIR" && mv /run/elsewhere "$DIR"
s4u_clean_user alice

# --- s4uctl status and purge ----------------------------------------------------
s4u_login login alice open close
ctl status
like "$RUN_OUTPUT" "kept host credentials: $DIR: 1 kept TGT" "status counts the kept TGT"
like "$RUN_OUTPUT" "    $S4U_HOST@EXAMPLE.TEST: fresh, ends " "and shows its principal, state and end"
ctl --json status
like "$RUN_OUTPUT" '"kept_tgts": \[' "status --json lists the kept TGTs"
like "$RUN_OUTPUT" '"state": "fresh"' "with their state"
ctl purge
like "$RUN_OUTPUT" "dropped 1 kept TGT" "purge drops it"
ok "the file is gone" test ! -e "$FILE"
ctl status
like "$RUN_OUTPUT" "$DIR: 0 kept TGT" "status shows none"
before=$(as_count)
s4u_login login alice open close
is "$(($(as_count) - before))" 1 "after purge, the next login gets a new TGT"
s4u_clean_user alice

# --- host_cache=none -------------------------------------------------------------
rm -rf "$DIR"
s4u_pam_service nokeep "targets=$S4U_TARGETS" host_cache=none
before=$(as_count)
s4u_login nokeep alice open close
s4u_login nokeep alice "${DUMP[@]}"
ok "host_cache=none: logins get their tickets" got_both
is "$(($(as_count) - before))" 2 "each with a TGT of its own"
# The module's session records (sessions/) live beside the kept TGTs.
kept_files() { find "$DIR" -mindepth 1 -maxdepth 1 ! -name sessions 2>/dev/null; }
is "$(kept_files)" "" "and nothing is kept"
s4u_clean_user alice

# --- many targets at once, every other one refused ---------------------------------
# 20 targets (more than the 6 workers), the even ones not allowed: the
# 10 others fit in bob's default keyring quota.
list=
for i in $(seq -w 1 20); do
    t=host/t$i.example.test
    realm_addprinc "$t" >/dev/null || bail_out "cannot add $t"
    ((10#$i % 2 == 0)) || realm_allow_delegation "$S4U_HOST" "$t@EXAMPLE.TEST" >/dev/null ||
        bail_out "cannot allow $t"
    list+=${list:+,}$t
done
syslog_clear
s4u_pam_service many "targets=$list"
s4u_login many bob open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
like "$RUN_OUTPUT" 'open: Success' "20 targets: the session opens"
creds=$(grep '^cred ' <<<"$RUN_OUTPUT")
ok "the 10 allowed targets are delegated, whatever failed beside them" \
    syslog_wait 'delegated 10 of 20 targets for user=bob'

is "$(grep -c 'server=host/t[0-9]*[13579]\.example' <<<"$creds")" 10 "bob's cache holds the 10"
unlike "$creds" 'server=host/t[0-9]*[02468]\.example' "and none of the refused"
order=$(syslog_grep 'delegation to host/t[0-9]+' | sed -n 's/.*delegation to host\/t\([0-9]*\)\..*/\1/p' | paste -sd, -)
is "$order" "02,04,06,08,10,12,14,16,18,20" "the refusals are logged in the configured order"
s4u_clean_user bob

# --- max_parallel=: one request at a time, through the helper's request ------------
syslog_clear
s4u_pam_service one "targets=$list" max_parallel=1
s4u_login one bob open env "run:$S4U_BUILD/tools/ccdump \"\$KRB5CCNAME\"" close
creds=$(grep '^cred ' <<<"$RUN_OUTPUT")
ok "max_parallel=1: the 10 allowed targets are delegated one after the other" \
    syslog_wait 'delegated 10 of 20 targets for user=bob'
is "$(grep -c 'server=host/t[0-9]*[13579]\.example' <<<"$creds")" 10 "bob's cache holds the 10"
s4u_clean_user bob

done_testing
