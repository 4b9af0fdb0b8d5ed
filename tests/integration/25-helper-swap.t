#!/usr/bin/env bash
# helper= names a file in a directory another user may write (an admin's
# mistake): bob owns the directory and swaps what the name points to,
# between logins and while they run.  Nothing bob wrote ever runs, the
# helper is never run from there at all, and the log names the directory
# to fix.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start

bobs=$S4U_SAFE_DIR/bobs
mark=$bobs/ran
logins=20
why="\\[HELPER: unsafe helper=: directory $bobs belongs to uid 61002; the helper and every directory above it must be owned by root"

# The admin made bob's directory and installed the real helper in it.
if ! { mkdir -m 0755 "$bobs" && chown bob:bob "$bobs" &&
    cp "$S4U_BUILD/pam_s4u_helper" "$bobs/pam_s4u_helper"; }; then
    bail_out "cannot set up $bobs"
fi
S4U_NO_DEFAULTS=1 s4u_pam_service bobs "targets=$S4U_TARGETS"
sed -i "s#helper=[^ ]*#helper=$bobs/pam_s4u_helper principal=$S4U_HOST keytab=$S4U_TEST_DIR/serverb.keytab#" \
    "$S4U_TEST_DIR/pam.d/bobs"

# refused_login NAME: alice logs in, gets no tickets, and the log says why.
refused_login() {
    syslog_clear
    s4u_login bobs alice open env close
    like "$RUN_OUTPUT" 'open: Success' "$1: the login goes on"
    unlike "$RUN_OUTPUT" 'KRB5CCNAME' "$1: no helper ran"
    ok "$1: the log names bob's directory" syslog_wait "$why"
}

# --- root's own helper, in bob's directory --------------------------------
refused_login "root's helper in bob's directory"

# --- bob puts his own program in its place between logins -----------------
# shellcheck disable=SC2016 # expanded by bob's shell
ok "bob replaces the helper with his program" as_user bob sh -c '
    printf "#!/bin/sh\nid -u >%s\n" "$1" >"$2/evil" && chmod 0755 "$2/evil" &&
    cp "$2/evil" "$2/new" && mv -f "$2/new" "$2/pam_s4u_helper"' sh "$mark" "$bobs"
refused_login "bob's program in bob's directory"
nok "bob's program never ran" test -e "$mark"

# --- bob swaps the name between root's helper and his program, all along ---
# Each check sees root's helper half of the time; a check that followed
# the name and an exec that resolved it again would run bob's program.
# It runs as bob with this shell as its parent (so $! is its pid, and it
# quits if the test dies), away from the TAP output.
# shellcheck disable=SC2016 # a perl program
setpriv --reuid=61002 --regid=61002 --init-groups env -i perl -e '
    my ($dir, $good, $evil) = @ARGV;
    my $parent = getppid();
    while (getppid() == $parent) {
        symlink($good, "$dir/.a") && rename("$dir/.a", "$dir/pam_s4u_helper") or die "$!";
        symlink($evil, "$dir/.b") && rename("$dir/.b", "$dir/pam_s4u_helper") or die "$!";
    }' "$bobs" "$S4U_BUILD/pam_s4u_helper" "$bobs/evil" </dev/null >/dev/null 2>&1 &
swapper=$!
trap 'proc_stop "$swapper" perl env setpriv bash; s4u_world_stop' EXIT
syslog_clear
tickets=0
for ((i = 0; i < logins; i++)); do
    s4u_login bobs alice open env close
    grep -q KRB5CCNAME <<<"$RUN_OUTPUT" && tickets=$((tickets + 1))
done
ok "bob's swapping went on throughout" proc_alive "$swapper"
proc_stop "$swapper" perl env setpriv bash
nok "bob's swapping is stopped" proc_alive "$swapper"
is "$tickets" 0 "no login of $logins ran the helper"
nok "bob's program never ran" test -e "$mark"
is "$(syslog_grep "$why" | wc -l)" "$logins" "each login was refused, naming bob's directory"

done_testing
