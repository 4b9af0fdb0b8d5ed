/*
 * test_diag.c: the parts of s4uctl that need no KDC: finding pam_s4u.so
 * lines in a PAM service file as Linux-PAM reads it, /proc/key-users, the
 * AS-REP parts that tell key versions, and purge.  The KDC steps are
 * covered by tests/integration/70-s4uctl.t against a real realm.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/s4u_keyring.h"
#include "lib/s4u_pamfile.h"
#include "s4uctl/s4u_diag.h"
#include "tests/tap.h"

/* The pam_s4u lines of text (no includes followed). */
static size_t
lines_of(const char *text, struct s4u_pam_line **lines)
{
    const char *why = NULL;
    size_t n = 0;

    *lines = NULL;
    if (s4u_pam_text_lines(text, "svc", NULL, lines, &n, &why) != 0)
        abort();
    return n;
}

/* All arguments of a line, joined with '|'. */
static const char *
args_of(const struct s4u_pam_line *l)
{
    static char buf[1024];
    size_t i, len;

    buf[0] = '\0';
    for (i = 0; i < l->argc; i++) {
        len = strlen(buf);
        snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "|" : "",
                 l->argv[i]);
    }
    return buf;
}

static void
test_pam_plain(void)
{
    struct s4u_pam_line *l;
    size_t n;

    n = lines_of("auth required pam_permit.so\n"
                 "session optional pam_s4u.so targets=a,b debug\n"
                 "session required pam_unix.so\n",
                 &l);
    is_long(n, 1, "one pam_s4u line among others");
    is_long(l[0].line, 2, "its line number");
    is_str(l[0].type, "session", "its type");
    is_str(l[0].control, "optional", "its control");
    is_str(args_of(&l[0]), "targets=a,b|debug", "its arguments");
    s4u_pam_lines_free(l, n);

    n = lines_of("-session [success=ok default=ignore] "
                 "/lib/security/pam_s4u.so timeout=3",
                 &l);
    is_long(n, 1, "a full module path, a leading '-', no final newline");
    is_str(l[0].type, "session", "the '-' is not part of the type");
    is_str(l[0].control, "[success=ok default=ignore]",
           "a bracketed control is one field");
    is_str(args_of(&l[0]), "timeout=3", "argument after a bracketed control");
    s4u_pam_lines_free(l, n);

    n = lines_of("session optional pam_s4u_other.so x\n"
                 "session optional pam_s4u.so.bak x\n",
                 &l);
    is_long(n, 0, "other modules with similar names are not ours");
    s4u_pam_lines_free(l, n);
}

static void
test_pam_comments(void)
{
    struct s4u_pam_line *l;
    size_t n;

    n = lines_of("# session optional pam_s4u.so commented=out\n"
                 "   # indented comment\n"
                 "\n"
                 "session optional pam_s4u.so a=1 # b=2\n",
                 &l);
    is_long(n, 1, "comment lines are skipped");
    is_str(args_of(&l[0]), "a=1", "a trailing comment is cut");
    is_long(l[0].line, 4, "line numbers count comments and blank lines");
    s4u_pam_lines_free(l, n);
}

static void
test_pam_continuation(void)
{
    struct s4u_pam_line *l;
    size_t n;

    n = lines_of("session optional pam_s4u.so a=1 \\\n"
                 "    b=2\\\n"
                 "    # a comment inside the continued line\n"
                 "    c=3\n"
                 "auth optional pam_s4u.so d=4\n",
                 &l);
    is_long(n, 2, "a continued line is one line");
    is_str(args_of(&l[0]), "a=1|b=2|c=3",
           "continued arguments join; comment lines in between are skipped");
    is_long(l[0].line, 1, "the line number is the first physical line");
    is_long(l[1].line, 5, "the next line's number counts the continuation");
    s4u_pam_lines_free(l, n);

    n = lines_of("session optional pam_s4u.so a=1 \\ # a comment\n"
                 "session optional pam_s4u.so b=2\n",
                 &l);
    is_long(n, 2, "a comment ends the line, even after a backslash");
    is_str(args_of(&l[0]), "a=1|\\", "the backslash stays an argument");
    s4u_pam_lines_free(l, n);

    n = lines_of("session optional pam_s4u.so a=1 \\", &l);
    is_long(n, 1, "a continuation at the end of the file ends the line");
    is_str(args_of(&l[0]), "a=1", "with its arguments");
    s4u_pam_lines_free(l, n);
}

static void
test_pam_brackets(void)
{
    struct s4u_pam_line *l;
    size_t n;

    n = lines_of("session optional pam_s4u.so "
                 "[targets=host/a@R, cifs/b@R] [x=a\\]b] plain\n",
                 &l);
    is_long(n, 1, "bracketed arguments");
    is_long(l[0].argc, 3, "each bracketed argument is one argument");
    is_str(args_of(&l[0]), "targets=host/a@R, cifs/b@R|x=a]b|plain",
           "brackets removed, \\] unescaped");
    s4u_pam_lines_free(l, n);
}

/* Write a file in dir. */
static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

static void
test_pam_includes(void)
{
    char dir[] = "/tmp/test_diag.XXXXXX", path[512];
    struct s4u_pam_line *l = NULL;
    const char *why = NULL;
    size_t n = 0;
    int ret;

    if (mkdtemp(dir) == NULL)
        abort();
    write_file(dir, "common-session",
               "session optional pam_s4u.so from=common\n"
               "auth optional pam_s4u.so from=common-auth\n");
    write_file(dir, "sshd",
               "@include common-session\n"
               "account include common-session\n"
               "session substack common-session\n"
               "session include missing-file\n"
               "session optional pam_s4u.so from=sshd\n");
    write_file(dir, "loop", "@include loop\n");
    snprintf(path, sizeof(path), "%s/sshd", dir);
    ret = s4u_pam_service_lines(path, &l, &n, &why);
    is_long(ret, 0, "a service file with includes");
    is_long(n, 4, "@include takes every line, include/substack one type");
    ok(n == 4 && strcmp(args_of(&l[1]), "from=common-auth") == 0 &&
           strcmp(args_of(&l[2]), "from=common") == 0 &&
           strcmp(args_of(&l[3]), "from=sshd") == 0,
       "in the order Linux-PAM reads them");
    ok(n == 4 && strstr(l[0].file, "common-session") != NULL,
       "an included line names its own file");
    s4u_pam_lines_free(l, n);

    snprintf(path, sizeof(path), "%s/loop", dir);
    ret = s4u_pam_service_lines(path, &l, &n, &why);
    is_long(ret, ELOOP, "an include loop stops");
    ok(why != NULL && strstr(why, "nest") != NULL, "and says why");

    snprintf(path, sizeof(path), "%s/nonexistent", dir);
    is_long(s4u_pam_service_lines(path, &l, &n, &why), ENOENT,
            "a missing service file is an error");
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    if (system(path) != 0)
        abort();
}

static void
test_key_users(void)
{
    struct s4u_key_user *u = NULL;
    size_t n = 0;

    is_long(s4u_key_users_parse("    0:    10 9/9 5/1000000 149/25000000\n"
                                "61001:     3 3/3 3/200 1400/20000\n"
                                "garbage line\n",
                                &u, &n),
            0, "/proc/key-users parses");
    is_long(n, 2, "two users, the garbage skipped");
    ok(n == 2 && u[0].uid == 0 && u[0].keys == 5 && u[0].maxkeys == 1000000,
       "root's keys and limit");
    ok(n == 2 && u[1].uid == 61001 && u[1].bytes == 1400 &&
           u[1].maxbytes == 20000,
       "a user's bytes and limit");
    free(u);
}

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
    test_pam_plain();
    test_pam_comments();
    test_pam_continuation();
    test_pam_brackets();
    test_pam_includes();
    test_key_users();
    test_as_rep();
    test_names_and_purge();
    return tap_done();
}
