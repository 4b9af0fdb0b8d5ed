/*
 * test_diag.c: the parts of s4uctl's diagnosis that need no KDC: the AS-REP
 * parts that tell key versions, step and verdict names, and purge.  The
 * KDC steps are covered by tests/integration/70-s4uctl.t against a real
 * realm.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "s4uctl/s4u_diag.h"
#include "tests/tap.h"

/* Minimal AS-REPs: pvno, msg-type, ticket [5], enc-part [6]. */
static const unsigned char rep_kvno[] = {
    0x6B, 0x81, 0x26,                   /* [APPLICATION 11], long form */
    0x30, 0x24,                         /* SEQUENCE */
    0xA0, 0x03, 0x02, 0x01, 0x05,       /* pvno 5 */
    0xA1, 0x03, 0x02, 0x01, 0x0B,       /* msg-type 11 */
    0xA5, 0x04, 0x61, 0x02, 0x30, 0x00, /* ticket */
    0xA6, 0x12, 0x30, 0x10,             /* enc-part */
    0xA0, 0x03, 0x02, 0x01, 0x12,       /* etype 18 */
    0xA1, 0x04, 0x02, 0x02, 0x01, 0x2C, /* kvno 300 */
    0xA2, 0x03, 0x04, 0x01, 0xEE};      /* cipher */
static const unsigned char rep_no_kvno[] = {
    0x6B, 0x81, 0x20, 0x30, 0x1E, 0xA0, 0x03, 0x02, 0x01, 0x05, 0xA1, 0x03,
    0x02, 0x01, 0x0B, 0xA5, 0x04, 0x61, 0x02, 0x30, 0x00, 0xA6, 0x0C, 0x30,
    0x0A, 0xA0, 0x03, 0x02, 0x01, 0x12, 0xA2, 0x03, 0x04, 0x01, 0xEE};

static void
test_as_rep(void)
{
    unsigned char buf[sizeof(rep_kvno)];
    krb5_data tkt;
    long kvno;

    is_long(s4u_diag_as_rep_parse(rep_kvno, sizeof(rep_kvno), &kvno, &tkt), 0,
            "AS-REP parses");
    is_long(kvno, 300, "the enc-part's kvno");
    ok(tkt.length == 4 && (unsigned char)tkt.data[0] == 0x61,
       "the ticket, tag and all");
    is_long(
        s4u_diag_as_rep_parse(rep_no_kvno, sizeof(rep_no_kvno), &kvno, &tkt), 0,
        "AS-REP without a kvno (as MIT sends it)");
    is_long(kvno, -1, "kvno unknown");
    memcpy(buf, rep_kvno, sizeof(buf));
    buf[0] = 0x7E; /* KRB-ERROR */
    is_long(s4u_diag_as_rep_parse(buf, sizeof(buf), &kvno, &tkt), EINVAL,
            "a KRB-ERROR is not an AS-REP");
    is_long(s4u_diag_as_rep_parse(rep_kvno, sizeof(rep_kvno) - 3, &kvno, &tkt),
            EINVAL, "a cut reply is refused");
}

static void
test_names_and_purge(void)
{
    struct s4u_purge p;
    struct s4u_status st;
    int i;

    for (i = 0; i < S4U_STEP_COUNT; i++)
        ok(strcmp(s4u_diag_step_name(i), "?") != 0 &&
               strcmp(s4u_diag_step_label(i), "?") != 0,
           "step %d has a name and a label", i);
    is_str(s4u_diag_step_name(S4U_STEP_S4U2PROXY), "s4u2proxy",
           "step names are stable");
    is_str(s4u_diag_step_label(S4U_STEP_HOST_TGT), "host TGT",
           "and text output has its own labels");
    is_str(s4u_verdict_name(S4U_WARN), "warn", "verdict names are stable");
    is_long(s4u_host_cache_purge("none", &p, &st), 0,
            "purge with host_cache=none succeeds");
    ok(p.purged == 0 && !p.kept, "no host credentials are kept, none purged");
    ok(strstr(p.explanation, "nothing is kept") != NULL, "and purge says so");
    is_long(s4u_host_cache_purge("/nonexistent/pam_s4u", &p, &st), 0,
            "purge of a directory that does not exist succeeds");
    ok(p.kept && p.purged == 0, "and drops nothing");
}

/* The checks on the host cache directory, before any file is touched. */
static void
test_host_cache_dir(void)
{
    struct s4u_status st;
    int fd = -1;

    s4u_status_clear(&st);
    ok(s4u_host_cache_dir("run/pam_s4u", true, &fd, &st) != 0 && fd < 0,
       "a relative host_cache= is refused");
    s4u_status_clear(&st);
    ok(s4u_host_cache_dir("/", true, &fd, &st) != 0 && fd < 0,
       "host_cache=/ is refused");
    s4u_status_clear(&st);
    ok(s4u_host_cache_dir("/run/../tmp/x", true, &fd, &st) != 0 && fd < 0,
       "host_cache= with .. is refused");
    s4u_status_clear(&st);
    ok(s4u_host_cache_dir("/tmp/s4u-never-made", true, &fd, &st) != 0 && fd < 0,
       "a directory below the world-writable /tmp is refused");
    ok(strstr(st.detail, "writable only by root") != NULL,
       "and the reason says why: %s", st.detail);
    ok(access("/tmp/s4u-never-made", F_OK) != 0, "and nothing is made there");
}

/* When a kept TGT is used, used while renewed, or renewed first. */
static void
test_tgt_age(void)
{
    krb5_creds c;

    memset(&c, 0, sizeof(c));
    c.times.starttime = 1000000;
    c.times.endtime = 1000000 + 36000; /* 10 hours */
    is_long(s4u_host_tgt_age(&c, 1000000), S4U_TGT_FRESH, "new: fresh");
    is_long(s4u_host_tgt_age(&c, 1000000 + 4500), S4U_TGT_FRESH,
            "an eighth into its life: still fresh");
    is_long(s4u_host_tgt_age(&c, 1000000 + 4501), S4U_TGT_AGING,
            "after that: aging (used while one login renews it)");
    is_long(s4u_host_tgt_age(&c, 1000000 + 18000), S4U_TGT_AGING,
            "half-way: still aging");
    is_long(s4u_host_tgt_age(&c, 1000000 + 18001), S4U_TGT_EXPIRED,
            "past half-way: renewed first");
    is_long(s4u_host_tgt_age(&c, 1000000 + 36000), S4U_TGT_EXPIRED,
            "at its end: expired");
    is_long(s4u_host_tgt_age(&c, 1000000 - 1000), S4U_TGT_EXPIRED,
            "not yet valid (a clock moved back): renewed");
    c.times.endtime = c.times.starttime;
    is_long(s4u_host_tgt_age(&c, 1000000), S4U_TGT_EXPIRED,
            "no lifetime: renewed");
}

/* The file name of a host's kept TGT: safe in a directory, readable. */
static void
test_host_cache_file(void)
{
    krb5_context ctx = NULL;
    krb5_principal p = NULL;
    char buf[256], longname[400];

    if (krb5_init_context(&ctx) != 0) {
        ok(0, "krb5_init_context");
        return;
    }
    if (krb5_parse_name(ctx, "host/serverb.example.test@EXAMPLE.TEST", &p) ==
        0) {
        is_long(s4u_host_cache_file(ctx, p, buf, sizeof(buf)), 0,
                "a host principal names a file");
        is_str(buf, "host%2Fserverb.example.test@EXAMPLE.TEST.cc",
               "with / escaped");
        krb5_free_principal(ctx, p);
    }
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    if (krb5_build_principal(ctx, &p, 12, "EXAMPLE.TEST", longname,
                             (char *)NULL) == 0) {
        ok(s4u_host_cache_file(ctx, p, buf, sizeof(buf)) != 0,
           "a name too long for a file is refused (the TGT is not kept)");
        krb5_free_principal(ctx, p);
    }
    krb5_free_context(ctx);
}

int
main(void)
{
    test_as_rep();
    test_names_and_purge();
    test_host_cache_dir();
    test_tgt_age();
    test_host_cache_file();
    return tap_done();
}
