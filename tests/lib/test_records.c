/*
 * test_records.c: session records (s4u_session.c) as text and back, their
 * refusals, the id of a cache, and the start time in /proc/PID/stat.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/s4u_session.h"
#include "tests/tap.h"

#define CC "KEYRING:persistent:1001:s4u_0123456789abcdef"

static const char good[] = "user=alice\nuid=1001\ngid=1002\nservice=sshd\n"
                           "ccache=" CC "\npid=4242\nstart=987654\n"
                           "target=1765000000 host/c.example.test\n"
                           "target=1765000300 cifs/c.example.test\n";

/* parse(text): 0 or the error, with the reason in why. */
static int
parse(const char *text, const char **why)
{
    struct s4u_session s;
    int ret = s4u_session_parse(text, strlen(text), &s, why);

    s4u_session_free(&s);
    return ret;
}

/* good with one line replaced by line (or dropped: ""). */
static const char *
with(const char *key, const char *line)
{
    static char buf[1024];
    const char *p = strstr(good, key), *end = strchr(p, '\n') + 1;

    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - good), good, line, end);
    return buf;
}

static void
test_roundtrip(void)
{
    struct s4u_session s;
    const char *why = NULL;
    char *text = NULL;

    is_long(s4u_session_parse(good, strlen(good), &s, &why), 0, "a record");
    ok(strcmp(s.user, "alice") == 0 && s.uid == 1001 && s.gid == 1002 &&
           strcmp(s.service, "sshd") == 0 && strcmp(s.ccache, CC) == 0 &&
           s.pid == 4242 && s.start == 987654ULL,
       "every field");
    ok(s.ntargets == 2 &&
           strcmp(s.targets[1].name, "cifs/c.example.test") == 0 &&
           s.targets[1].endtime == 1765000300,
       "the targets with their end times");
    is_long(s4u_session_format(&s, &text), 0, "formats");
    is_str(text, good, "back to the same text");
    free(text);
    s.user[0] = '\n';
    is_long(s4u_session_format(&s, &text), EINVAL,
            "a control character never reaches a record");
    s4u_session_free(&s);
}

static void
test_refusals(void)
{
    const char *why = NULL;

    is_long(parse(with("user=", ""), &why), EINVAL, "no user");
    is_str(why, "a field is missing", "says so");
    is_long(parse(with("uid=", "uid=0\n"), &why), EINVAL, "uid 0 (root)");
    is_long(parse(with("uid=", "uid=1001\nuid=1002\n"), &why), EINVAL,
            "a repeated field");
    is_long(parse(with("pid=", "pid=-1\n"), &why), EINVAL, "a negative pid");
    is_long(parse(with("pid=", "pid=99999999999\n"), &why), EINVAL,
            "a pid out of range");
    is_long(
        parse(with("ccache=", "ccache=KEYRING:persistent:1001:own\n"), &why),
        EINVAL, "a cache that is not ours");
    is_long(parse(with("service=", "service=../sshd\n"), &why), EINVAL,
            "a service with a slash");
    is_long(parse(with("service=", "debug=1\n"), &why), EINVAL,
            "an unknown field");
    is_long(parse(with("target=1765000000", "target=x host/a\n"), &why), EINVAL,
            "a bad end time");
    is_long(parse(with("target=1765000000", "target=5 host/\x01\n"), &why),
            EINVAL, "a bad target");
    is_long(parse("user=alice", &why), EINVAL, "a cut last line");
}

static void
test_ids(void)
{
    char id[S4U_SESSION_ID_LEN + 1];
    unsigned long long start = 0;
    const char *stat = "42 (a) b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 "
                       "17 18 424242 20 21\n";

    ok(s4u_session_id(CC, id) && strcmp(id, "0123456789abcdef") == 0,
       "a cache's id is its hex digits");
    ok(!s4u_session_id("KEYRING:persistent:1001:own", id), "not ours: no id");
    ok(s4u_proc_stat_start(stat, &start) && start == 424242ULL,
       "field 22, after a command name with ') ' in it");
    ok(!s4u_proc_stat_start("42 (a) S 1 2\n", &start), "a short line");
    ok(s4u_proc_start(getpid(), &start) == 0 && start > 0,
       "this process's start time");
    is_long(s4u_proc_start(0x7ffffff0, &start), ENOENT, "no such process");
}

/* After a refresh the record holds what was stored, with new end times. */
static void
test_retarget(void)
{
    struct s4u_target_result r[3] = {
        {.target = (char *)"cifs/c.example.test", .endtime = 1765009999},
        {.target = (char *)"host/b.example.test"},
        {.target = (char *)"http/d.example.test", .endtime = 1765008888},
    };
    struct s4u_outcome out = {.targets = r, .ntargets = 3};
    struct s4u_session s;
    const char *why = NULL;

    r[1].st.code = S4U_ERR_CACHE;
    is_long(s4u_session_parse(good, strlen(good), &s, &why), 0, "a record");
    is_long(s4u_session_retarget(&s, &out), 0, "retargets");
    ok(s.ntargets == 2 && strcmp(s.targets[0].name, r[0].target) == 0 &&
           s.targets[0].endtime == 1765009999 &&
           strcmp(s.targets[1].name, r[2].target) == 0 &&
           s.targets[1].endtime == 1765008888,
       "the stored targets with their new end times, a failed one left out");
    ok(strcmp(s.user, "alice") == 0 && s.pid == 4242,
       "the rest of the record is kept");
    s4u_session_free(&s);
}

int
main(void)
{
    test_roundtrip();
    test_retarget();
    test_refusals();
    test_ids();
    return tap_done();
}
