#!/usr/bin/env bash
# Long sessions: s4uctl refresh against the real realm.  A target whose
# tickets live 5 minutes, in sessions held open by real processes (the PAM
# application, pam_driver, blocked in a step): refresh renews the tickets
# that end within --margin in the same cache (later authtime and endtime,
# same name), leaves them alone when they end after it, drops a target the
# policy no longer grants; after logout nothing is refreshed; a session
# whose process was killed without logout has its cache and record removed;
# a locked or expired account gets no refresh.  Also the login line that
# says when the tickets expire and whether they are renewed, and
# no_expiry_notice.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
[[ -x $S4U_BUILD/s4uctl ]] || bail_out "missing $S4U_BUILD/s4uctl (run make)"
command -v jq >/dev/null || bail_out "jq is missing (tests/install-deps.sh)"
s4u_world_start
D=$S4U_TEST_DIR
RECORDS=/run/pam_s4u/sessions
HOSTC=host/serverc.example.test
CIFS=cifs/serverc.example.test
# cifs/serverc's tickets live 5 minutes: always within the default margin.
realm_kadmin "modprinc -maxlife \"5 minutes\" $CIFS" >/dev/null ||
    bail_out "cannot shorten cifs/serverc's ticket life"
s4u_pam_service jump "targets=$S4U_TARGETS"
# s4uctl refresh reads the session's PAM service as the module did: by name.
cp "$D/pam.d/jump" /etc/pam.d/jump || bail_out "cannot install the PAM service"
# The refresh timer's "enabled" link lives in a private /etc/systemd/system.
[[ -d /etc/systemd/system ]] || bail_out "no /etc/systemd/system (systemd is not installed)"
mount -t tmpfs -o mode=0755 s4u-units /etc/systemd/system || bail_out "cannot make /etc/systemd/system private"

# close_session NAME: let it close, and wait for pam_driver to end.
close_session() {
    local i
    touch "$D/$1.go"
    for ((i = 0; i < 100; i++)); do
        grep -q '^close: ' "$D/$1.out" && return 0
        sleep 0.1
    done
    return 1
}
# field NAME DUMP TARGET: a ccdump field of TARGET's ticket.
field() {
    grep "server=$3@" <<<"$2" | grep -o "$1=[0-9]*" | cut -d= -f2
}
refresh() {
    run timeout 60 "$S4U_BUILD/s4uctl" "$@" refresh
}

# --- a session held open: due, not due, renewed in place -----------------------
ok "a session held open by its process" s4u_hold_session jump alice one
ok "is recorded, root's, 0600" test "$(stat -c '%U %a' "$REC")" = "root 600"
like "$(cat "$D/one.out" 2>/dev/null; sleep 0.5; cat "$D/one.out")" \
    'pam says: Delegated Kerberos tickets \(2 services\) expire at .*; they are not renewed: log in again' \
    "the login says when the tickets expire, and that nothing renews them (timer off)"
before=$(s4u_dump alice "$CC")
is "$(grep -c '^cred ' <<<"$before")" 2 "her cache holds two tickets"
# From its start: its authtime is the evidence's, which may be older.
life=$(($(field endtime "$before" $CIFS) - $(field starttime "$before" $CIFS)))
ok "cifs/serverc's ticket lives 5 minutes ($life s)" test "$life" -gt 0 -a "$life" -le 300
sleep 1.1
syslog_clear
refresh --margin 60
is "$RUN_STATUS" 0 "refresh --margin 60 succeeds"
like "$RUN_OUTPUT" "user=alice: not_due: first ticket ends at" "tickets ending after the margin are not due"
is "$(s4u_dump alice "$CC")" "$before" "and the cache is untouched"
refresh
is "$RUN_STATUS" 0 "refresh (default margin 1 h) succeeds"
like "$RUN_OUTPUT" "user=alice: refreshed: refreshed 2 of 2 targets in $CC" "the 5-minute ticket is due: all are fetched again"
ok "the log says so" syslog_wait "s4uctl\\[[0-9]+\\]: refresh: session [0-9a-f]{16} of user=alice: refreshed 2 of 2 targets in $CC; they now expire at"
note "the log of that refresh:" "$(syslog_grep 's4uctl')"
after=$(s4u_dump alice "$CC")
is "$(grep -c '^cred ' <<<"$after")" 2 "the same cache (KRB5CCNAME stays valid) holds two tickets"
ok "cifs/serverc's ticket is new (a later authtime)" \
    test "$(field authtime "$after" $CIFS)" -gt "$(field authtime "$before" $CIFS)"
ok "and ends later" test "$(field endtime "$after" $CIFS)" -gt "$(field endtime "$before" $CIFS)"
ok "host/serverc's too" test "$(field authtime "$after" $HOSTC)" -gt "$(field authtime "$before" $HOSTC)"
like "$(grep "^target=" "$REC")" "target=$(field endtime "$after" $CIFS) $CIFS" "the record has the new end time"
JSON=$(timeout 60 "$S4U_BUILD/s4uctl" --json --margin 0 refresh)
is "$(jq -r '.sessions[] | select(.user == "alice") | .action' <<<"$JSON")" not_due "--json reports each session's action"

# --- the policy no longer grants a target -----------------------------------------
s4u_policy "alice $HOSTC"
sleep 1.1
syslog_clear
refresh
like "$RUN_OUTPUT" "refreshed 1 of 1 targets in $CC" "a target the policy dropped is not refreshed"
ok "the log names it" syslog_wait "$CIFS is no longer granted \\(/etc/security/pam_s4u.conf\\); not refreshed"
is "$(s4u_dump alice "$CC" | grep -o 'server=[^@]*' | paste -sd' ' -)" "server=$HOSTC" \
    "and it is gone from the cache"
rm -f /etc/security/pam_s4u.conf

# --- a cache she removed herself -----------------------------------------------------
ok "a second session" s4u_hold_session jump bob mine
ok "bob removes its cache himself" as_user bob kdestroy -q -c "$CC"
syslog_clear
refresh
is "$RUN_STATUS" 0 "refresh does not fail for it"
like "$RUN_OUTPUT" "user=bob: gone: its cache $CC is gone \\(the user removed it\\); it is not brought back" \
    "a cache the user removed is not brought back"
nok "(it is not)" s4u_dump bob "$CC"
ok "its record is removed" test ! -e "$REC"
ok "the log says so" syslog_wait "session [0-9a-f]{16} of user=bob: its cache .* is gone"
ok "bob logs out" close_session mine

# --- logout --------------------------------------------------------------------------
ok "logout" close_session one
like "$(cat "$D/one.out")" 'close: Success' "the session closes"
ok "its record is gone" test ! -e "$REC"
syslog_clear
refresh
unlike "$RUN_OUTPUT" "user=alice" "after logout nothing is refreshed"
is "$(syslog_grep 'refresh:' | wc -l)" 0 "and nothing is logged"

# --- the process is killed without logout ------------------------------------------
ok "another session" s4u_hold_session jump alice two
ok "its cache exists" s4u_dump alice "$CC"
kill -KILL "$PID"
touch "$D/two.go"
syslog_clear
refresh
like "$RUN_OUTPUT" "user=alice: ended: its process $PID is gone without logout; removed its cache $CC and its record" \
    "a session whose process was killed: refresh notices"
nok "its cache is removed" s4u_dump alice "$CC"
ok "and its record" test ! -e "$REC"
ok "the log says so" syslog_wait "refresh: session [0-9a-f]{16} of user=alice: its process $PID is gone without logout; removed its cache"
note "the log of that refresh:" "$(syslog_grep 's4uctl')"

# --- a locked or expired account ------------------------------------------------------
# shadow_set AWK: rewrite alice's shadow entry in place (the bind mount follows the inode).
shadow_set() {
    local out
    out=$(awk -F: -v OFS=: "\$1 == \"alice\" { $1 } { print }" "$D/etc/shadow") &&
        printf '%s\n' "$out" >"$D/etc/shadow"
}
saved=$(cat "$D/etc/shadow")
touch /etc/systemd/system/pam-s4u-refresh.timer
mkdir -p /etc/systemd/system/timers.target.wants
ln -s ../pam-s4u-refresh.timer /etc/systemd/system/timers.target.wants/pam-s4u-refresh.timer
ok "a third session" s4u_hold_session jump alice three
sleep 0.5
like "$(cat "$D/three.out")" 'they are renewed while this session lasts' \
    "with the timer enabled, the login says the tickets are renewed"
before=$(s4u_dump alice "$CC")
# shellcheck disable=SC2016 # awk programs
ok "alice's password is locked meanwhile (usermod -L)" shadow_set '$2 = "!" $2'
sleep 1.1
syslog_clear
refresh
like "$RUN_OUTPUT" "user=alice: refused: the account is locked" "a locked account gets no refresh"
is "$(s4u_dump alice "$CC")" "$before" "her tickets are left as they were"
ok "the log says why" syslog_wait "refresh: session [0-9a-f]{16} of user=alice: the account is locked"
printf '%s\n' "$saved" >"$D/etc/shadow"
# shellcheck disable=SC2016 # awk programs
ok "expired instead (usermod -e 1)" shadow_set '$8 = 1'
refresh
like "$RUN_OUTPUT" "user=alice: refused: the account expired" "an expired account gets no refresh"
printf '%s\n' "$saved" >"$D/etc/shadow"
# shellcheck disable=SC2016 # awk programs
ok "a bare ! (never had a password, key-only) is not a lock" shadow_set '$2 = "!"'
refresh
like "$RUN_OUTPUT" "user=alice: refreshed: refreshed 2 of 2" "so that account is refreshed"
printf '%s\n' "$saved" >"$D/etc/shadow"
ok "logout" close_session three

# --- no_expiry_notice -------------------------------------------------------------------
s4u_pam_service quiet "targets=$S4U_TARGETS" no_expiry_notice
s4u_login quiet alice open close
like "$RUN_OUTPUT" 'open: Success' "a login with no_expiry_notice"
unlike "$RUN_OUTPUT" 'pam says' "says nothing about the tickets"
s4u_login jump alice open-silent close
like "$RUN_OUTPUT" 'open-silent: Success' "a login whose application asks for PAM_SILENT"
unlike "$RUN_OUTPUT" 'pam says' "says nothing either"
s4u_login jump alice open close
like "$RUN_OUTPUT" 'pam says: Delegated Kerberos tickets' "(and without it, the line is there)"

# --- memory: the policy, the record and refresh under valgrind ----------------------
# (memcheck on the PAM application with the module loaded, and on s4uctl;
# the helper they start runs outside valgrind: 30-memory.t checks it.)
# In the sanitizer pass (S4U_SANITIZED=1) the programs are ASan's, which
# valgrind cannot run: there ASan and LeakSanitizer check them, and any
# report fails the test at done_testing.
vg() {
    if [[ ${S4U_SANITIZED:-} == 1 ]]; then
        run "$@"
    else
        run valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$@"
    fi
}
printf 'mem:x:61102:alice\n' >>"$D/etc/group"
s4u_policy "@mem $HOSTC
alice $CIFS
* $HOSTC"
vg "$S4U_BUILD/tools/pam_driver" "$D/pam.d" jump alice open close
is "$RUN_STATUS" 0 "a login with a policy file, a record and its removal: no memory error or leak"
like "$RUN_OUTPUT" 'close: Success' "(the login ran: $(grep -c Success <<<"$RUN_OUTPUT") steps)"
ok "a session for refresh under valgrind" s4u_hold_session jump alice mem
vg "$S4U_BUILD/s4uctl" refresh
is "$RUN_STATUS" 0 "refresh: no memory error or leak"
like "$RUN_OUTPUT" "user=alice: refreshed: refreshed 2 of 2" "(it refreshed)"
kill -KILL "$PID"
touch "$D/mem.go"
vg "$S4U_BUILD/s4uctl" --json refresh
is "$RUN_STATUS" 0 "removing an ended session: no memory error or leak"
like "$RUN_OUTPUT" '"action": *"ended"' "(it removed it)"
printf 'user=alice\n' >"$RECORDS/0123456789abcdef" && chmod 0600 "$RECORDS/0123456789abcdef"
vg "$S4U_BUILD/s4uctl" refresh
is "$RUN_STATUS" 1 "a broken record is reported (exit 1), without memory errors"
like "$RUN_OUTPUT" "0123456789abcdef user=\\?: failed: unreadable record: .*a field is missing" "and named"
rm -f "$RECORDS/0123456789abcdef" /etc/security/pam_s4u.conf

done_testing
