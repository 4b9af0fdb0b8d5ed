#!/usr/bin/env bash
# `make install` honours DESTDIR (and PAMDIR/LIBEXECDIR), installs what the
# module needs with safe modes, and `make uninstall` removes it again.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/harness/tap.sh"
src=$(cd "$here/.." && pwd)
dest=$(mktemp -d /tmp/s4u-install.XXXXXX) || bail_out "mktemp"
trap 'rm -rf "$dest"' EXIT

ok "make install DESTDIR=... succeeds" make -s -C "$src" install DESTDIR="$dest"
pamdir=$dest/lib/$(cc -print-multiarch)/security
ok "pam_s4u.so is in the multiarch PAM directory" test -f "$pamdir/pam_s4u.so"
is "$(stat -c %a "$pamdir/pam_s4u.so")" 644 "the module is mode 0644"
ok "the helper is in /usr/libexec/pam-s4u" test -x "$dest/usr/libexec/pam-s4u/pam_s4u_helper"
is "$(stat -c %a "$dest/usr/libexec/pam-s4u/pam_s4u_helper")" 755 "the helper is 0755, not setuid"
ok "the man page is installed" test -f "$dest/usr/share/man/man8/pam_s4u.8"
ok "the man page renders without warnings" sh -c "man --warnings -l '$dest/usr/share/man/man8/pam_s4u.8' 2>&1 >/dev/null | (! grep .)"
ok "s4uctl is in /usr/bin" test -x "$dest/usr/bin/s4uctl"
ok "s4uctl(1) renders without warnings" sh -c "man --warnings -l '$dest/usr/share/man/man1/s4uctl.1' 2>&1 >/dev/null | (! grep .)"
ok "pam_s4u.conf(5) is installed" test -f "$dest/usr/share/man/man5/pam_s4u.conf.5"
ok "pam_s4u.conf(5) renders without warnings" sh -c "man --warnings -l '$dest/usr/share/man/man5/pam_s4u.conf.5' 2>&1 >/dev/null | (! grep .)"
units=$dest/lib/systemd/system
ok "the refresh service is installed" test -f "$units/pam-s4u-refresh.service"
ok "the refresh timer is installed" test -f "$units/pam-s4u-refresh.timer"
is "$(stat -c %a "$units/pam-s4u-refresh.service" "$units/pam-s4u-refresh.timer" | paste -sd' ' -)" \
    "644 644" "the units are mode 0644"
ok "and not enabled (no timers.target.wants link)" sh -c "! find '$dest' -name '*.wants' | grep -q ."
like "$(cat "$units/pam-s4u-refresh.service")" 'ExecStart=/usr/bin/s4uctl refresh --margin 3600' \
    "the service runs the installed s4uctl"
command -v systemd-analyze >/dev/null || bail_out "systemd-analyze is missing (tests/install-deps.sh)"
# Verified in the install tree (--root: its s4uctl is the one ExecStart
# names); the man pages Documentation= names are checked as files here.
run systemd-analyze verify --man=no --recursive-errors=no --root="$dest" \
    "$units/pam-s4u-refresh.service" "$units/pam-s4u-refresh.timer"
is "$RUN_STATUS" 0 "systemd-analyze verify accepts the units"
is "$RUN_OUTPUT" "" "without a warning"
while read -r page; do
    page=${page#man:}
    sec=${page##*(}
    sec=${sec%)}
    ok "Documentation= $page is installed" \
        test -f "$dest/usr/share/man/man$sec/${page%(*}.$sec"
done < <(grep -ho 'man:[^ ]*' "$units"/pam-s4u-refresh.* | sort -u)
ok "the troubleshooting guide is installed" test -f "$dest/usr/share/doc/pam-s4u/troubleshooting.md"
ok "the threat model is installed" test -f "$dest/usr/share/doc/pam-s4u/security.md"
ok "the example PAM stack is installed" test -f "$dest/usr/share/doc/pam-s4u/examples/pam.d/sshd"
run strings "$pamdir/pam_s4u.so"
like "$RUN_OUTPUT" '/usr/libexec/pam-s4u/pam_s4u_helper' "the module looks for the helper where it was installed"
run nm -D --defined-only "$pamdir/pam_s4u.so"
is "$(awk '$2 == "T" { print $3 }' <<<"$RUN_OUTPUT" | sort | tr '\n' ' ')" \
    "pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred " \
    "the module exports only the pam_sm_* entry points"
# The module holds no code only the helper or s4uctl runs: no engine, no
# host credentials, no parsing of requests it only writes.
syms=$(nm "$pamdir/pam_s4u.so" | awk '{ print $NF }')
ok "the module links no helper-only code" \
    sh -c '! grep -xE "s4u_(fetch|host_creds|self|proxy|cache_store|drop_to_user|request_parse|outcome_format)" <<EOF
$1
EOF' - "$syms"
ok "(the symbol check sees the module's own functions)" grep -qx s4u_outcome_parse <<<"$syms"
ok "make uninstall DESTDIR=... succeeds" make -s -C "$src" uninstall DESTDIR="$dest"
is "$(find "$dest" -type f | wc -l)" 0 "uninstall leaves no files"
done_testing
