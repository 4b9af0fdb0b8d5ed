#!/usr/bin/env bash
# The privileged helper under valgrind and under ASan+UBSan, against the
# real KDC: a full delegation, a refresh, a removal, the fatal paths and
# hostile requests.  Any memory error or definite leak fails the test.
set -uo pipefail
. "$(dirname "$0")/../harness/s4u.sh"
ns_reexec "$@"
s4u_world_start
asan=${S4U_ASAN_BUILD:-$S4U_SRC/build-asan}
[[ -x $asan/pam_s4u_helper ]] || bail_out "missing $asan/pam_s4u_helper (make check builds it)"

# request MODE USER UID [extra lines]: a helper request on stdout.
request() {
    printf 'mode=%s\nuser=%s\nuid=%s\ngid=%s\nprincipal=%s\nkeytab=%s\n' \
        "$1" "$2" "$3" "$3" "$S4U_HOST" "$S4U_TEST_DIR/serverb.keytab"
    printf 'ccache=KEYRING:persistent:%s\ntimeout=5\nhost_cache=/run/pam_s4u\n' "$3"
    shift 3
    printf '%s\n' "$@"
}

# under WAY NAME INPUTFILE: run the helper one way; pass if it answered
# with "end" and the tool saw no error.
under() {
    local way=$1 name=$2 input=$3 out
    out=$S4U_TEST_DIR/$way.out
    case $way in
    valgrind)
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
            --log-file="$S4U_TEST_DIR/vg.log" "$S4U_BUILD/pam_s4u_helper" <"$input" >"$out" 2>&1
        ;;
    asan)
        # LeakSanitizer cannot stop the world once the helper drops its
        # privileges and becomes non-dumpable; valgrind covers leaks.
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
            "$asan/pam_s4u_helper" <"$input" >"$out" 2>"$S4U_TEST_DIR/asan.log"
        ;;
    esac
    local status=$?
    if [[ $status -eq 0 || ($status -eq 1 && $name == hostile*) ]] && grep -qx end "$out"; then
        pass "$name under $way"
    else
        fail "$name under $way"
        diag "exit $status" "$(cat "$out" "$S4U_TEST_DIR/vg.log" "$S4U_TEST_DIR/asan.log" 2>/dev/null | head -40)"
    fi
    LAST_OUT=$(cat "$out")
}

for way in valgrind asan; do
    request delegate alice 61001 target=host/serverc.example.test \
        target=cifs/serverc.example.test target=HTTP/serverc.example.test \
        target=host/nosuch.example.test >"$S4U_TEST_DIR/req"
    under "$way" delegate "$S4U_TEST_DIR/req"
    like "$LAST_OUT" $'cache\tKEYRING:persistent:61001:s4u_[0-9a-f]{16}\t2' "$way: two tickets stored"
    cc=$(awk -F'\t' '$1 == "cache" { print $2 }' <<<"$LAST_OUT")
    request refresh alice 61001 target=host/serverc.example.test \
        target=cifs/serverc.example.test >"$S4U_TEST_DIR/req"
    sed -i "s#^ccache=.*#ccache=$cc#" "$S4U_TEST_DIR/req"
    under "$way" refresh "$S4U_TEST_DIR/req"
    like "$LAST_OUT" $'cache\t'"$cc"$'\t2' "$way: the cache is refreshed in place"
    request refresh alice 61001 target=host/serverc.example.test >"$S4U_TEST_DIR/req"
    under "$way" "refresh of a collection" "$S4U_TEST_DIR/req"
    like "$LAST_OUT" 'CONFIG.*not a cache pam_s4u created' "$way: refresh refuses a cache not named by our marker"
    request destroy alice 61001 >"$S4U_TEST_DIR/req"
    sed -i "s#^ccache=.*#ccache=$cc#" "$S4U_TEST_DIR/req"
    under "$way" destroy "$S4U_TEST_DIR/req"
    nok "$way: the cache is gone" s4u_dump alice "$cc"

    request delegate carol 61003 target=host/serverc.example.test >"$S4U_TEST_DIR/req"
    under "$way" "non-delegable user" "$S4U_TEST_DIR/req"
    like "$LAST_OUT" 'USER_NOT_DELEGABLE|EVIDENCE_NOT_FORWARDABLE' "$way: evidence problem reported"

    request delegate alice 61001 target=host/serverc.example.test >"$S4U_TEST_DIR/req"
    sed -i 's#^keytab=.*#keytab=/nonexistent.keytab#' "$S4U_TEST_DIR/req"
    under "$way" "missing keytab" "$S4U_TEST_DIR/req"
    like "$LAST_OUT" 'KEYTAB_MISSING' "$way: keytab problem reported"

    printf 'mode=delegate\nuser=alice/admin@EVIL\nuid=61001\nccache=x\n' >"$S4U_TEST_DIR/req"
    under "$way" "hostile request" "$S4U_TEST_DIR/req"
    like "$LAST_OUT" 'HELPER.*bad request' "$way: hostile request refused"
    head -c 70000 /dev/urandom >"$S4U_TEST_DIR/req"
    under "$way" "hostile oversized request" "$S4U_TEST_DIR/req"

    request delegate root 0 target=host/serverc.example.test >"$S4U_TEST_DIR/req"
    under "$way" "hostile request for root" "$S4U_TEST_DIR/req"
    like "$LAST_OUT" 'BAD_USER.*root is never impersonated' "$way: root refused by the helper itself"
done

dead_port=$(realm_free_port)
realm_write_krb5conf "$S4U_TEST_DIR/dead.conf" "" "127.0.0.1:$dead_port"
ns_set_krb5conf "$S4U_TEST_DIR/dead.conf"
request delegate alice 61001 target=host/serverc.example.test >"$S4U_TEST_DIR/req"
under valgrind "KDC down" "$S4U_TEST_DIR/req"
like "$LAST_OUT" 'KDC_UNREACHABLE' "valgrind: KDC down reported"
ns_set_krb5conf "$REALM_KRB5_CONFIG"

done_testing
