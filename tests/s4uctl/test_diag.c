/*
 * test_diag.c: the parts of s4uctl's diagnosis that need no KDC: the AS-REP
 * parts that tell key versions, step and verdict names, and purge.  The
 * KDC steps are covered by tests/integration/70-s4uctl.t against a real
 * realm.
 */
#include <errno.h>
#include <string.h>

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
    is_long(s4u_host_cache_purge(&p, &st), 0, "purge succeeds");
    ok(p.purged == 0 && !p.kept, "no host credentials are kept, none purged");
    ok(strstr(p.explanation, "no host credentials") != NULL,
       "and purge says so");
}

int
main(void)
{
    test_as_rep();
    test_names_and_purge();
    return tap_done();
}
