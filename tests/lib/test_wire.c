/*
 * test_wire.c: the helper protocol, both directions, and hostile input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u.h"
#include "tests/tap.h"

/* A request survives format and parse unchanged. */
static void
test_request_roundtrip(void)
{
    struct s4u_request req = {0}, back;
    char *text = NULL, *mode = NULL;
    const char *why;
    char *targets[] = {"host/c.example.test", "cifs/c.example.test", NULL};

    req.user = "alice";
    req.uid = 61001;
    req.gid = 61002;
    req.principal = "host/b.example.test";
    req.keytab = "FILE:/etc/krb5.keytab";
    req.realm = "EXAMPLE.TEST";
    req.ccache = "KEYRING:persistent:61001";
    req.targets = targets;
    req.ntargets = 2;
    req.timeout = 7;
    req.host_cache = "/run/pam_s4u";
    req.max_parallel = 16;
    ok(s4u_request_format(&req, "delegate", &text) == 0, "formats");
    ok(text != NULL &&
           s4u_request_parse(text, strlen(text), &mode, &back, &why) == 0,
       "parses its own output");
    is_str(mode, "delegate", "mode");
    is_str(back.user, "alice", "user");
    is_long(back.uid, 61001, "uid");
    is_long(back.gid, 61002, "gid");
    is_str(back.principal, "host/b.example.test", "principal");
    is_str(back.keytab, "FILE:/etc/krb5.keytab", "keytab");
    is_str(back.realm, "EXAMPLE.TEST", "realm");
    is_str(back.ccache, "KEYRING:persistent:61001", "ccache");
    is_long(back.ntargets, 2, "targets");
    is_long(back.timeout, 7, "timeout");
    is_str(back.host_cache, "/run/pam_s4u", "host_cache");
    is_long(back.max_parallel, 16, "max_parallel");
    s4u_request_free(&back);
    free(mode);
    free(text);
    req.keytab = "bad\nkeytab";
    ok(s4u_request_format(&req, "delegate", &text) != 0,
       "refuses to format a value with a newline");
}

/* Requests that must be refused. */
static void
test_request_hostile(void)
{
    static const char *const bad[] = {
        "",
        "mode=delegate",
        "mode=delegate\n" /* missing user, uid, ccache */,
        "mode=delegate\nuser=alice\nuid=5\n",
        "mode=delegate\nuser=alice@EVIL\nuid=5\nccache=K\n",
        "mode=delegate\nuser=alice\nuid=-1\nccache=K\n",
        "mode=delegate\nuser=alice\nuid=99999999999\nccache=K\n",
        "mode=delegate\nuser=alice\nuid=5x\nccache=K\n",
        "mode=delegate\nuser=alice\nuid=5\nccache=K\nbogus=1\n",
        "mode=delegate\nuser=alice\nuser=bob\nuid=5\nccache=K\n",
        "mode=delegate\nuser=alice\nuid=5\nccache=K\nnoequals\n",
        "mode=delegate\nuser=alice\nuid=5\nccache=K\ntarget=a b\n",
        "mode=delegate\nuser=alice\nuid=5\nccache=K\ntimeout=99999\n",
        "mode=delegate\nuser=a\nuid=5\ngid=5\nccache=K\nhost_cache=rel\n",
        "mode=delegate\nuser=a\nuid=5\ngid=5\nccache=K\nmax_parallel=0\n",
        "mode=delegate\nuser=a\nuid=5\ngid=5\nccache=K\nmax_parallel=33\n",
        "mode=delegate\nuser=a\nuid=5\ngid=5\nccache=K\nmax_parallel=-1\n",
        "mode=delegate\nuser=alice\nuid=5\nccache=K\nuser=x\tb\n",
        /* A repeated number is refused, never "last one wins". */
        "mode=delegate\nuser=alice\nuid=61001\nuid=0\ngid=5\nccache=K\n",
        "mode=delegate\nuser=alice\nuid=5\ngid=61001\ngid=0\nccache=K\n",
        "mode=delegate\nuser=a\nuid=5\ngid=5\nccache=K\ntimeout=1\ntimeout=9\n",
        /* Without gid= the helper would keep root's group. */
        "mode=delegate\nuser=alice\nuid=5\nccache=K\n",
    };
    struct s4u_request req;
    char *mode = NULL;
    const char *why;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ok(s4u_request_parse(bad[i], strlen(bad[i]), &mode, &req, &why) != 0 &&
               mode == NULL && req.user == NULL && why != NULL,
           "refuses hostile request #%zu (%s)", i, why ? why : "?");
    }
    ok(s4u_request_parse("mode=x\0user=a\n", 15, &mode, &req, &why) != 0,
       "refuses an embedded NUL");
    {
        static const char twice[] =
            "mode=delegate\nuser=a\nuid=5\ngid=5\n"
            "ccache=K\nmax_parallel=2\nmax_parallel=3\n";

        ok(s4u_request_parse(twice, strlen(twice), &mode, &req, &why) != 0 &&
               why != NULL && strcmp(why, "repeated field") == 0,
           "refuses a repeated max_parallel");
    }
}

/* An outcome survives format and parse unchanged. */
static void
test_outcome_roundtrip(void)
{
    struct s4u_target_result r[2];
    struct s4u_outcome out = {0}, back;
    char *text = NULL;
    const char *why;

    memset(r, 0, sizeof(r));
    r[0].target = "host/c.example.test";
    r[0].endtime = 1999999999;
    r[1].target = "cifs/c.example.test";
    s4u_status_set(&r[1].st, S4U_ERR_TARGET_NOT_ALLOWED, -1765328371,
                   "S4U2proxy:\tKDC can't fulfill\nrequested option");
    out.targets = r;
    out.ntargets = 2;
    out.ccache_name = "KEYRING:persistent:61001:s4u_0123456789abcdef";
    out.stored = 1;
    out.kdc_kinds = (1u << S4U_KDC_AD) | (1u << S4U_KDC_SAMBA);
    ok(s4u_outcome_format(&out, &text) == 0, "formats an outcome");
    ok(s4u_outcome_parse(text, strlen(text), &back, &why) == 0,
       "parses its own outcome");
    is_long(back.ntargets, 2, "two targets");
    is_long(back.stored, 1, "stored count");
    is_str(back.ccache_name, out.ccache_name, "cache name");
    is_long(back.kdc_kinds, out.kdc_kinds, "the KDC kinds");
    if (back.ntargets == 2) {
        is_long(back.targets[0].st.code, S4U_OK, "first target ok");
        is_long(back.targets[0].endtime, 1999999999, "end time");
        is_long(back.targets[1].st.code, S4U_ERR_TARGET_NOT_ALLOWED,
                "second target code");
        is_long(back.targets[1].st.lib_code, -1765328371, "library code");
        is_str(back.targets[1].st.detail,
               "S4U2proxy:\\x09KDC can't fulfill\\x0Arequested option",
               "detail shows its control characters as escapes");
    }
    s4u_outcome_free(&back);
    free(text);
}

/* Outcomes that must be refused: truncated, unended, malformed. */
static void
test_outcome_hostile(void)
{
    static const char *const bad[] = {
        "",
        "end",
        "target\thost/a\tOK\t0\t0\t\n",
        "fatal\tNO_SUCH_ID\t0\tx\nend\n",
        "fatal\tTIMEOUT\tnotanumber\tx\nend\n",
        "target\thost/a\tOK\t0\t0\nend\n",
        "target\thost/a\tOK\t0\t0\tx\textra\nend\n",
        "cache\tKEYRING:x\t999\nend\n",
        "end\ntarget\thost/a\tOK\t0\t0\t\n",
        "garbage\nend\n",
        "target\thost/a\tOK\t0\t0\tbell\x07\nend\n",
        "kdc\tad,nosuch\nend\n",
        "kdc\t\nend\n",
        "kdc\tad\nkdc\tmit\nend\n",
    };
    static const char timeout_reply[] = "fatal\tTIMEOUT\t0\tslow KDC\nend\n";
    struct s4u_outcome out;
    const char *why;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ok(s4u_outcome_parse(bad[i], strlen(bad[i]), &out, &why) != 0 &&
               out.targets == NULL && out.ccache_name == NULL,
           "refuses hostile outcome #%zu", i);
    }
    ok(s4u_outcome_parse(timeout_reply, strlen(timeout_reply), &out, &why) ==
               0 &&
           out.st.code == S4U_ERR_TIMEOUT,
       "accepts a timeout answer");
    s4u_outcome_free(&out);
}

/*
 * The cache the helper announces before it writes it: kept even when the
 * answer never ends (the helper was killed mid-write), so that logout can
 * remove it; dropped when a finished answer does not confirm it (the
 * helper removed it itself).
 */
static void
test_outcome_pending(void)
{
    static const char name[] = "KEYRING:persistent:61001:s4u_0123456789abcdef";
    static const char cut[] =
        "pending\tKEYRING:persistent:61001:s4u_0123456789abcdef\n"
        "target\thost/a\tOK\t0\t0\t\n";
    static const char done[] =
        "pending\tKEYRING:persistent:61001:s4u_0123456789abcdef\n"
        "target\thost/a\tOK\t0\t0\t\n"
        "cache\tKEYRING:persistent:61001:s4u_0123456789abcdef\t1\nend\n";
    static const char undone[] =
        "pending\tKEYRING:persistent:61001:s4u_0123456789abcdef\n"
        "target\thost/a\tCACHE\t0\t0\tx\nend\n";
    static const char *const unread[] = {
        "pending\tKEYRING:persistent:61001:tkt\n",
        "pending\tKEYRING:persistent:61001:s4u_0123456789abcdef\textra\nend\n",
    };
    static const char *const bad[] = {
        "pending\tKEYRING:persistent:61001:s4u_0123456789abcdef\n"
        "pending\tKEYRING:persistent:61001:s4u_0123456789abcdee\nend\n",
        "pending\tKEYRING:persistent:61001:s4u_0123456789abcdef\n"
        "cache\tKEYRING:persistent:61001:s4u_0123456789abcdee\t1\nend\n",
    };
    struct s4u_outcome out;
    const char *why;
    char *text = NULL;
    size_t i;

    ok(s4u_pending_format(name, &text) == 0 && text != NULL &&
           strcmp(text, "pending\tKEYRING:persistent:61001:s4u_"
                        "0123456789abcdef\n") == 0,
       "formats the announcement");
    free(text);
    ok(s4u_pending_format("KEYRING:persistent:61001:tkt", &text) != 0 &&
           text == NULL,
       "announces only a cache of ours");
    ok(s4u_outcome_parse(cut, strlen(cut), &out, &why) == EPIPE &&
           out.ccache_name != NULL && strcmp(out.ccache_name, name) == 0 &&
           out.stored == 0 && out.ntargets == 0,
       "a cut answer keeps the announced cache, and nothing else");
    s4u_outcome_free(&out);
    ok(s4u_outcome_parse(done, strlen(done), &out, &why) == 0 &&
           out.ccache_name != NULL && strcmp(out.ccache_name, name) == 0 &&
           out.stored == 1,
       "a finished answer confirms the announced cache");
    s4u_outcome_free(&out);
    ok(s4u_outcome_parse(undone, strlen(undone), &out, &why) == 0 &&
           out.ccache_name == NULL && out.ntargets == 1,
       "a finished answer without the cache: the helper removed it");
    s4u_outcome_free(&out);
    for (i = 0; i < sizeof(unread) / sizeof(unread[0]); i++) {
        ok(s4u_outcome_parse(unread[i], strlen(unread[i]), &out, &why) != 0 &&
               out.ccache_name == NULL,
           "refuses a bad announcement #%zu, and remembers nothing", i);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ok(s4u_outcome_parse(bad[i], strlen(bad[i]), &out, &why) != 0 &&
               out.ccache_name != NULL && strcmp(out.ccache_name, name) == 0,
           "refuses bad outcome #%zu, but remembers the announced cache", i);
        s4u_outcome_free(&out);
    }
}

/* Cache names this module may destroy. */
static void
test_cache_names(void)
{
    ok(s4u_cache_name_ours("KEYRING:persistent:61001:s4u_0123456789abcdef"),
       "our keyring cache");
    ok(s4u_cache_name_ours("FILE:/tmp/krb5cc_61001_s4u_0123456789abcdef"),
       "our file cache");
    ok(!s4u_cache_name_ours("KEYRING:persistent:61001"), "a collection");
    ok(!s4u_cache_name_ours("KEYRING:persistent:61001:tkt"), "her kinit");
    ok(!s4u_cache_name_ours("KEYRING:persistent:61001:s4u_0123456789ABCDEF"),
       "upper-case hex");
    ok(!s4u_cache_name_ours("FILE:/tmp/x_s4u_0123456789abcde"), "short hex");
    ok(!s4u_cache_name_ours("MEMORY:s4u_0123456789abcdef"), "MEMORY cache");
    ok(!s4u_cache_name_ours(NULL), "NULL");
}

int
main(void)
{
    test_request_roundtrip();
    test_request_hostile();
    test_outcome_roundtrip();
    test_outcome_hostile();
    test_outcome_pending();
    test_cache_names();
    return tap_done();
}
