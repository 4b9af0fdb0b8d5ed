/*
 * s4u_session.c: a session record as text, and back, pure.
 *
 *   user=alice
 *   uid=1001
 *   gid=1001
 *   service=sshd
 *   ccache=KEYRING:persistent:1001:s4u_0123456789abcdef
 *   pid=4242
 *   start=123456
 *   target=<end time> <principal>     (one line per target)
 *
 * Only root writes records, but the parser trusts nothing: every field
 * once, every value checked as at login (names, a cache of ours, numbers
 * in range), at most S4U_TARGETS_MAX targets.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u_session.h"

/* A value is safe in a record if it has no control characters. */
static bool
value_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < ' ' || *s == 0x7F)
            return false;
    }
    return true;
}

/*
 * The record's text; EINVAL if a value could not be read back the same,
 * ENOMEM.
 */
int
s4u_session_format(const struct s4u_session *s, char **text_out)
{
    char *text = NULL, *line = NULL, *grown;
    size_t i, len;
    int n;

    *text_out = NULL;
    if (!value_ok(s->user) || !value_ok(s->service) ||
        !s4u_cache_name_ours(s->ccache) || !value_ok(s->ccache))
        return EINVAL;
    n = asprintf(&text,
                 "user=%s\nuid=%lu\ngid=%lu\nservice=%s\nccache=%s\n"
                 "pid=%ld\nstart=%llu\n",
                 s->user, (unsigned long)s->uid, (unsigned long)s->gid,
                 s->service, s->ccache, (long)s->pid, s->start);
    if (n < 0)
        return ENOMEM;
    for (i = 0; i < s->ntargets; i++) {
        if (!value_ok(s->targets[i].name) ||
            asprintf(&line, "target=%" PRId64 " %s\n", s->targets[i].endtime,
                     s->targets[i].name) < 0) {
            free(text);
            return line == NULL ? ENOMEM : EINVAL;
        }
        len = strlen(text);
        grown = realloc(text, len + strlen(line) + 1);
        if (grown == NULL) {
            free(line);
            free(text);
            return ENOMEM;
        }
        text = grown;
        memcpy(text + len, line, strlen(line) + 1);
        free(line);
        line = NULL;
    }
    *text_out = text;
    return 0;
}

/* Parse an unsigned decimal in [0, max]; false otherwise. */
static bool
parse_number(const char *s, unsigned long long max, unsigned long long *out)
{
    unsigned long long v = 0;

    if (*s == '\0' || strlen(s) > 20)
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (max - (unsigned)(*s - '0')) / 10)
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    *out = v;
    return true;
}

/* Add a target; 0, ENOMEM, or E2BIG past S4U_TARGETS_MAX. */
int
s4u_session_add_target(struct s4u_session *s, const char *name, int64_t endtime)
{
    struct s4u_session_target *grown;
    char *copy;

    if (s->ntargets >= S4U_TARGETS_MAX)
        return E2BIG;
    copy = strdup(name);
    grown = copy == NULL
                ? NULL
                : realloc(s->targets, (s->ntargets + 1) * sizeof(*s->targets));
    if (grown == NULL) {
        free(copy);
        return ENOMEM;
    }
    s->targets = grown;
    s->targets[s->ntargets].name = copy;
    s->targets[s->ntargets++].endtime = endtime;
    return 0;
}

/* target=<end time> <principal> */
static int
parse_target(struct s4u_session *s, const char *value, const char **why_out)
{
    const char *space = strchr(value, ' ');
    unsigned long long end;
    char num[24];
    int ret;

    if (space == NULL || (size_t)(space - value) >= sizeof(num)) {
        *why_out = "bad target line";
        return EINVAL;
    }
    memcpy(num, value, (size_t)(space - value));
    num[space - value] = '\0';
    if (!parse_number(num, INT64_MAX, &end) ||
        !s4u_principal_text_valid(space + 1, why_out)) {
        *why_out = "bad target line";
        return EINVAL;
    }
    ret = s4u_session_add_target(s, space + 1, (int64_t)end);
    if (ret == E2BIG)
        *why_out = "more than 256 targets";
    return ret;
}

/* Store a copy of value in *field, which must be unset. */
static int
set_string(char **field, const char *value, const char **why_out)
{
    if (*field != NULL) {
        *why_out = "repeated field";
        return EINVAL;
    }
    *field = strdup(value);
    return *field == NULL ? ENOMEM : 0;
}

/* Store a number in [1, max] once; seen tracks repeats. */
static int
set_number(unsigned long long *field, bool *seen, const char *value,
           unsigned long long max, const char **why_out)
{
    if (*seen || !parse_number(value, max, field) || *field == 0) {
        *why_out = *seen ? "repeated field" : "bad number";
        return EINVAL;
    }
    *seen = true;
    return 0;
}

/* The numeric fields while parsing. */
struct numbers {
    unsigned long long uid, gid, pid, start;
    bool has_uid, has_gid, has_pid, has_start;
};

/* One "key=value" line into s. */
static int
parse_field(struct s4u_session *s, struct numbers *n, char *line,
            const char **why_out)
{
    char *eq = strchr(line, '=');
    const char *key = line, *value;

    if (eq == NULL || !value_ok(eq + 1)) {
        *why_out = "bad line";
        return EINVAL;
    }
    *eq = '\0';
    value = eq + 1;
    if (strcmp(key, "user") == 0)
        return set_string(&s->user, value, why_out);
    if (strcmp(key, "service") == 0)
        return set_string(&s->service, value, why_out);
    if (strcmp(key, "ccache") == 0)
        return set_string(&s->ccache, value, why_out);
    if (strcmp(key, "uid") == 0)
        return set_number(&n->uid, &n->has_uid, value, UINT32_MAX - 1, why_out);
    if (strcmp(key, "gid") == 0)
        return set_number(&n->gid, &n->has_gid, value, UINT32_MAX - 1, why_out);
    if (strcmp(key, "pid") == 0)
        return set_number(&n->pid, &n->has_pid, value, INT32_MAX, why_out);
    if (strcmp(key, "start") == 0)
        return set_number(&n->start, &n->has_start, value, ULLONG_MAX, why_out);
    if (strcmp(key, "target") == 0)
        return parse_target(s, value, why_out);
    *why_out = "unknown field";
    return EINVAL;
}

/* Every field present and valid? */
static bool
complete(struct s4u_session *s, const struct numbers *n, const char **why_out)
{
    const char *why = NULL;

    if (s->user == NULL || s->service == NULL || s->ccache == NULL ||
        !n->has_uid || !n->has_gid || !n->has_pid || !n->has_start)
        why = "a field is missing";
    else if (!s4u_cache_name_ours(s->ccache))
        why = "not a cache of pam_s4u's";
    else if (s->user[0] == '\0' || s->service[0] == '\0' ||
             strchr(s->service, '/') != NULL || s->service[0] == '.')
        why = "bad user or service name";
    *why_out = why;
    if (why != NULL)
        return false;
    s->uid = (uid_t)n->uid;
    s->gid = (gid_t)n->gid;
    s->pid = (pid_t)n->pid;
    s->start = n->start;
    return true;
}

/*
 * Parse a record of len bytes.  0, ENOMEM, or EINVAL/E2BIG with *why_out;
 * on failure *s_out is empty.
 */
int
s4u_session_parse(const char *text, size_t len, struct s4u_session *s_out,
                  const char **why_out)
{
    struct s4u_session s = {0};
    struct numbers n = {0};
    char *copy, *line, *next;
    int ret = 0;

    *s_out = (struct s4u_session){0};
    *why_out = NULL;
    if (len > S4U_SESSION_MAX || memchr(text, '\0', len) != NULL) {
        *why_out = "too long, or holds a NUL byte";
        return EINVAL;
    }
    copy = strndup(text, len);
    if (copy == NULL)
        return ENOMEM;
    for (line = copy; ret == 0 && line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next == NULL) {
            *why_out = "the last line is cut";
            ret = EINVAL;
            break;
        }
        *next++ = '\0';
        ret = parse_field(&s, &n, line, why_out);
    }
    if (ret == 0 && !complete(&s, &n, why_out))
        ret = EINVAL;
    free(copy);
    if (ret != 0) {
        s4u_session_free(&s);
        return ret;
    }
    *s_out = s;
    return 0;
}

/*
 * After a refresh: s's targets become those out stored, with their new end
 * times (a target not stored is no longer in the cache).  0, or ENOMEM or
 * E2BIG with s unchanged.
 */
int
s4u_session_retarget(struct s4u_session *s, const struct s4u_outcome *out)
{
    struct s4u_session fresh = {0};
    struct s4u_session_target *old = s->targets;
    size_t i, nold = s->ntargets;
    int ret = 0;

    for (i = 0; ret == 0 && i < out->ntargets; i++) {
        if (out->targets[i].st.code == S4U_OK)
            ret = s4u_session_add_target(&fresh, out->targets[i].target,
                                         out->targets[i].endtime);
    }
    if (ret == 0) {
        s->targets = fresh.targets;
        s->ntargets = fresh.ntargets;
    } else {
        old = fresh.targets;
        nold = fresh.ntargets;
    }
    for (i = 0; i < nold; i++)
        free(old[i].name);
    free(old);
    return ret;
}

/* Free a record. */
void
s4u_session_free(struct s4u_session *s)
{
    size_t i;

    for (i = 0; i < s->ntargets; i++)
        free(s->targets[i].name);
    free(s->targets);
    free(s->user);
    free(s->service);
    free(s->ccache);
    *s = (struct s4u_session){0};
}

/* The record's id: the 16 hex digits of a cache of ours. */
bool
s4u_session_id(const char *ccache, char id[S4U_SESSION_ID_LEN + 1])
{
    if (!s4u_cache_name_ours(ccache))
        return false;
    memcpy(id, ccache + strlen(ccache) - S4U_SESSION_ID_LEN,
           S4U_SESSION_ID_LEN);
    id[S4U_SESSION_ID_LEN] = '\0';
    return true;
}

/*
 * A process's start time from the text of /proc/PID/stat: field 22,
 * counted after the command name, which is in parentheses and may itself
 * hold spaces and parentheses (so from the last ')').
 */
bool
s4u_proc_stat_start(const char *stat, unsigned long long *start_out)
{
    const char *p = strrchr(stat, ')');
    char num[24];
    size_t len;
    int field;

    if (p == NULL)
        return false;
    p++;
    for (field = 3; field <= 22; field++) {
        if (*p != ' ')
            return false;
        p++;
        len = strcspn(p, " \n");
        if (field == 22) {
            if (len == 0 || len >= sizeof(num))
                return false;
            memcpy(num, p, len);
            num[len] = '\0';
            return parse_number(num, ULLONG_MAX, start_out);
        }
        p += len;
    }
    return false;
}
