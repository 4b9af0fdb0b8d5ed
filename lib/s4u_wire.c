/*
 * s4u_wire.c: the protocol between pam_s4u.so and pam_s4u_helper.
 *
 * Request: "key=value" lines.  Outcome: tab-separated records, ended by
 * "end", so a helper that died half-way is never mistaken for an answer:
 *   pending <cache>       written before the helper writes that cache
 *   fatal <id> <lib code> <detail>
 *   target <name> <id> <lib code> <end time> <detail>
 *   cache <cache> <stored>   the cache written (the pending one)
 *   end
 * The module reads answers without "pending" too (helpers before it); a
 * module older than "pending" refuses answers that carry it, so the two
 * are installed together.  Both sides check everything they read; nothing
 * here trusts its input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u.h"

/* A growing text buffer, built with appendf. */
struct text {
    char *buf;
    size_t len;
    int err;
};

/* Append formatted text; remember the first failure. */
__attribute__((format(printf, 2, 3))) static void
appendf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    char *grown;
    int n;

    if (t->err != 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || (grown = realloc(t->buf, t->len + (size_t)n + 1)) == NULL) {
        t->err = ENOMEM;
        return;
    }
    t->buf = grown;
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* Hand the text over, or free it on failure. */
static int
text_finish(struct text *t, char **text_out)
{
    if (t->err == 0 && t->buf == NULL)
        t->err = EINVAL;
    if (t->err != 0) {
        free(t->buf);
        return t->err;
    }
    *text_out = t->buf;
    return 0;
}

/* A field value is safe on the wire if it has no control characters. */
static bool
field_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < ' ' || *s == 0x7F)
            return false;
    }
    return true;
}

/* A record line may hold tabs between fields, but no other controls. */
static bool
record_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        if (((unsigned char)*s < ' ' && *s != '\t') || *s == 0x7F)
            return false;
    }
    return true;
}

/* Append "key=value" if value is set; refuse values that break framing. */
static void
put_field(struct text *t, const char *key, const char *value)
{
    if (value == NULL)
        return;
    if (!field_ok(value)) {
        t->err = EINVAL;
        return;
    }
    appendf(t, "%s=%s\n", key, value);
}

/* Encode a request for the helper. */
int
s4u_request_format(const struct s4u_request *req, const char *mode,
                   char **text_out)
{
    struct text t = {NULL, 0, 0};
    size_t i;

    *text_out = NULL;
    put_field(&t, "mode", mode);
    put_field(&t, "user", req->user);
    appendf(&t, "uid=%lu\ngid=%lu\n", (unsigned long)req->uid,
            (unsigned long)req->gid);
    put_field(&t, "principal", req->principal);
    put_field(&t, "keytab", req->keytab);
    put_field(&t, "realm", req->realm);
    put_field(&t, "ccache", req->ccache);
    for (i = 0; i < req->ntargets; i++)
        put_field(&t, "target", req->targets[i]);
    appendf(&t, "timeout=%u\n", req->timeout);
    put_field(&t, "host_cache", req->host_cache);
    if (req->max_parallel != 0)
        appendf(&t, "max_parallel=%u\n", req->max_parallel);
    return text_finish(&t, text_out);
}

/* Parse a decimal number in [0, max]. */
static bool
parse_num(const char *s, unsigned long max, unsigned long *out)
{
    char *end;

    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno == 0 && *end == '\0' && *out <= max;
}

/* Set a string field once; a repeated field is an error. */
static int
set_once(char **field, const char *value)
{
    if (*field != NULL)
        return EEXIST;
    *field = strdup(value);
    return *field == NULL ? ENOMEM : 0;
}

/* The number fields a request has set: each must appear exactly once. */
enum { SEEN_UID = 1, SEEN_GID = 2, SEEN_TIMEOUT = 4, SEEN_PARALLEL = 8 };

/*
 * Parse a number field once.  "Last one wins" would let a second uid= or
 * gid= line quietly replace the first, so a repeat is an error.
 */
static int
num_once(unsigned int *seen, unsigned int bit, const char *value,
         unsigned long max, unsigned long *out)
{
    if ((*seen & bit) != 0)
        return EEXIST;
    if (!parse_num(value, max, out))
        return EINVAL;
    *seen |= bit;
    return 0;
}

/* Apply one "key=value" line to the request. */
static int
apply_field(const char *key, const char *value, char **mode,
            struct s4u_request *req, unsigned int *seen, const char **why)
{
    unsigned long num;
    int ret;

    if (strcmp(key, "mode") == 0)
        return set_once(mode, value);
    if (strcmp(key, "user") == 0)
        return s4u_user_name_valid(value, why) ? set_once(&req->user, value)
                                               : EINVAL;
    if (strcmp(key, "uid") == 0) {
        ret = num_once(seen, SEEN_UID, value, 0x7FFFFFFEUL, &num);
        if (ret == 0)
            req->uid = (uid_t)num;
        return ret;
    }
    if (strcmp(key, "gid") == 0) {
        ret = num_once(seen, SEEN_GID, value, 0x7FFFFFFEUL, &num);
        if (ret == 0)
            req->gid = (gid_t)num;
        return ret;
    }
    if (strcmp(key, "timeout") == 0) {
        ret = num_once(seen, SEEN_TIMEOUT, value, 3600, &num);
        if (ret == 0)
            req->timeout = (unsigned int)num;
        return ret;
    }
    if (strcmp(key, "max_parallel") == 0) {
        ret = num_once(seen, SEEN_PARALLEL, value, S4U_PARALLEL_MAX, &num);
        if (ret == 0 && num == 0)
            ret = EINVAL;
        if (ret == 0)
            req->max_parallel = (unsigned int)num;
        return ret;
    }
    if (strcmp(key, "target") == 0) {
        if (!s4u_principal_text_valid(value, why))
            return EINVAL;
        if (req->ntargets >= S4U_TARGETS_MAX)
            return E2BIG;
        return s4u_strv_append(&req->targets, &req->ntargets, value);
    }
    if (strcmp(key, "principal") == 0)
        return s4u_principal_text_valid(value, why)
                   ? set_once(&req->principal, value)
                   : EINVAL;
    if (strcmp(key, "keytab") == 0)
        return set_once(&req->keytab, value);
    if (strcmp(key, "realm") == 0)
        return s4u_principal_text_valid(value, why)
                   ? set_once(&req->realm, value)
                   : EINVAL;
    if (strcmp(key, "ccache") == 0)
        return set_once(&req->ccache, value);
    if (strcmp(key, "host_cache") == 0)
        return value[0] == '/' ? set_once(&req->host_cache, value) : EINVAL;
    *why = "unknown field";
    return EINVAL;
}

/* Split text into NUL-terminated lines; the text must end in a newline. */
static char *
copy_text(const char *text, size_t len, size_t max)
{
    char *copy;

    if (len == 0 || len > max || text[len - 1] != '\n' ||
        memchr(text, '\0', len) != NULL)
        return NULL;
    copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    return copy;
}

/* Decode a helper request; every field is checked as it is read. */
int
s4u_request_parse(const char *text, size_t len, char **mode_out,
                  struct s4u_request *req, const char **why_out)
{
    char *copy = NULL, *line, *save = NULL, *eq, *mode = NULL;
    unsigned int seen = 0;
    int ret = 0;

    *mode_out = NULL;
    *why_out = NULL;
    *req = (struct s4u_request){0};
    copy = copy_text(text, len, S4U_REQUEST_MAX);
    if (copy == NULL) {
        *why_out = "request empty, too long, or not newline-terminated";
        return EINVAL;
    }
    for (line = strtok_r(copy, "\n", &save); line != NULL && ret == 0;
         line = strtok_r(NULL, "\n", &save)) {
        eq = strchr(line, '=');
        if (eq == NULL || !field_ok(line)) {
            *why_out = "malformed line";
            ret = EINVAL;
            break;
        }
        *eq = '\0';
        ret = apply_field(line, eq + 1, &mode, req, &seen, why_out);
    }
    if (ret == EEXIST && *why_out == NULL)
        *why_out = "repeated field";
    if (ret == 0 && (mode == NULL || req->user == NULL || req->ccache == NULL ||
                     (seen & (SEEN_UID | SEEN_GID)) != (SEEN_UID | SEEN_GID))) {
        *why_out = "missing mode, user, uid, gid or ccache";
        ret = EINVAL;
    }
    if (ret != 0 && *why_out == NULL)
        *why_out = "bad field value";
    if (ret == 0) {
        *mode_out = mode;
        mode = NULL;
    } else {
        s4u_request_free(req);
    }
    free(mode);
    free(copy);
    return ret;
}

/* "kdc <kind>[,<kind>...]": what kind of KDC the helper took it for. */
static void
format_kinds(struct text *t, unsigned int kinds)
{
    const char *sep = "";
    int k;

    if (kinds == 0)
        return;
    appendf(t, "kdc\t");
    for (k = 0; k < S4U_KDC_KINDS; k++) {
        if (kinds & (1u << k)) {
            appendf(t, "%s%s", sep, s4u_kdc_kind_name(k));
            sep = ",";
        }
    }
    appendf(t, "\n");
}

/* Encode the helper's outcome. */
int
s4u_outcome_format(const struct s4u_outcome *out, char **text_out)
{
    struct text t = {NULL, 0, 0};
    const struct s4u_target_result *r;
    size_t i;

    *text_out = NULL;
    if (out->st.code != S4U_OK)
        appendf(&t, "fatal\t%s\t%ld\t%s\n", s4u_explain(out->st.code)->id,
                out->st.lib_code, out->st.detail);
    for (i = 0; i < out->ntargets; i++) {
        r = &out->targets[i];
        if (!field_ok(r->target))
            t.err = EINVAL;
        appendf(&t, "target\t%s\t%s\t%ld\t%lld\t%s\n", r->target,
                s4u_explain(r->st.code)->id, r->st.lib_code,
                (long long)r->endtime, r->st.detail);
    }
    if (out->ccache_name != NULL) {
        if (!field_ok(out->ccache_name))
            t.err = EINVAL;
        appendf(&t, "cache\t%s\t%zu\n", out->ccache_name, out->stored);
    }
    format_kinds(&t, out->kdc_kinds);
    appendf(&t, "end\n");
    return text_finish(&t, text_out);
}

/* Split a record into at most max tab-separated fields. */
static size_t
split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;

    while (n < max) {
        fields[n++] = p;
        p = strchr(p, '\t');
        if (p == NULL)
            break;
        *p++ = '\0';
    }
    return p == NULL ? n : max + 1;
}

/* Fill a status from its wire fields (id, lib code, detail). */
static int
parse_status(char **f, struct s4u_status *st)
{
    char *end;

    if (!s4u_code_from_id(f[0], &st->code))
        return EINVAL;
    errno = 0;
    st->lib_code = strtol(f[1], &end, 10);
    if (errno != 0 || *end != '\0' || end == f[1])
        return EINVAL;
    snprintf(st->detail, sizeof(st->detail), "%s", f[2]);
    return 0;
}

/* What s4u_outcome_parse has read so far. */
struct reading {
    struct s4u_outcome *out;
    char *pending; /* the cache the helper announced before writing it */
    bool ended;
};

/*
 * "pending <name>": the helper is about to write that cache.  Only a name
 * of ours is remembered (logout destroys it), and only once; a later
 * "cache" record must name the same cache.
 */
static int
apply_pending(char **f, size_t n, struct reading *rd)
{
    if (n != 2 || rd->pending != NULL || rd->out->ccache_name != NULL ||
        !s4u_cache_name_ours(f[1]))
        return EINVAL;
    rd->pending = strdup(f[1]);
    return rd->pending == NULL ? ENOMEM : 0;
}

/* "cache <name> <stored>": the cache written, and how many tickets. */
static int
apply_cache(char **f, size_t n, struct reading *rd)
{
    unsigned long stored;

    if (n != 3 || rd->out->ccache_name != NULL ||
        !parse_num(f[2], S4U_TARGETS_MAX, &stored) ||
        (rd->pending != NULL && strcmp(rd->pending, f[1]) != 0))
        return EINVAL;
    rd->out->stored = stored;
    rd->out->ccache_name = strdup(f[1]);
    return rd->out->ccache_name == NULL ? ENOMEM : 0;
}

/* "target <name> <id> <lib code> <end time> <detail>": one target's result. */
static int
apply_target(char **f, size_t n, struct s4u_outcome *out)
{
    struct s4u_target_result *grown, *r;
    char *sf[3], *end;

    if (n != 6 || out->ntargets >= S4U_TARGETS_MAX)
        return EINVAL;
    grown = realloc(out->targets, (out->ntargets + 1) * sizeof(*grown));
    if (grown == NULL)
        return ENOMEM;
    out->targets = grown;
    r = &grown[out->ntargets];
    *r = (struct s4u_target_result){0};
    r->target = strdup(f[1]);
    if (r->target == NULL)
        return ENOMEM;
    out->ntargets++;
    errno = 0;
    r->endtime = strtoll(f[4], &end, 10);
    if (errno != 0 || *end != '\0' || end == f[4])
        return EINVAL;
    sf[0] = f[2];
    sf[1] = f[3];
    sf[2] = f[5];
    return parse_status(sf, &r->st);
}

/* "kdc <kind>[,<kind>...]": known kind names only, and only once. */
static int
apply_kinds(char **f, size_t n, struct s4u_outcome *out)
{
    enum s4u_kdc_kind kind;
    char *tok, *save = NULL;

    if (n != 2 || out->kdc_kinds != 0)
        return EINVAL;
    for (tok = strtok_r(f[1], ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        if (!s4u_kdc_kind_from_name(tok, &kind))
            return EINVAL;
        out->kdc_kinds |= 1u << kind;
    }
    return out->kdc_kinds != 0 ? 0 : EINVAL;
}

/* Apply one outcome record. */
static int
apply_record(char *line, struct reading *rd)
{
    char *f[7];
    size_t n = split_tabs(line, f, 6);

    if (n == 1 && strcmp(f[0], "end") == 0) {
        rd->ended = true;
        return 0;
    }
    if (n == 4 && strcmp(f[0], "fatal") == 0)
        return parse_status(f + 1, &rd->out->st);
    if (strcmp(f[0], "pending") == 0)
        return apply_pending(f, n, rd);
    if (strcmp(f[0], "cache") == 0)
        return apply_cache(f, n, rd);
    if (strcmp(f[0], "target") == 0)
        return apply_target(f, n, rd->out);
    if (strcmp(f[0], "kdc") == 0)
        return apply_kinds(f, n, rd->out);
    return EINVAL;
}

/*
 * Decode the helper's outcome; anything malformed or unended is refused.
 * A refused answer still leaves the cache the helper announced in
 * out->ccache_name (with out->stored 0): it may hold some of the tickets,
 * and only the module can remove it at logout.
 */
int
s4u_outcome_parse(const char *text, size_t len, struct s4u_outcome *out,
                  const char **why_out)
{
    struct reading rd = {out, NULL, false};
    char *copy, *line, *save = NULL;
    int ret = 0;

    *out = (struct s4u_outcome){0};
    *why_out = NULL;
    copy = copy_text(text, len, 1024 * 1024);
    if (copy == NULL) {
        *why_out = "the helper's answer is empty or malformed";
        return EINVAL;
    }
    for (line = strtok_r(copy, "\n", &save); line != NULL && ret == 0;
         line = strtok_r(NULL, "\n", &save)) {
        if (rd.ended || !record_ok(line))
            ret = EINVAL;
        else
            ret = apply_record(line, &rd);
    }
    if (ret == 0 && !rd.ended)
        ret = EPIPE;
    if (ret != 0) {
        *why_out = ret == EPIPE ? "the helper stopped before finishing"
                                : "the helper's answer is malformed";
        s4u_outcome_free(out);
        out->ccache_name = rd.pending;
        rd.pending = NULL;
    }
    free(rd.pending);
    free(copy);
    return ret;
}

/*
 * The record the helper writes, and flushes, right before it starts to
 * write the user's cache: whatever happens to the helper after that, the
 * module knows which cache to remove at logout.
 */
int
s4u_pending_format(const char *name, char **text_out)
{
    struct text t = {NULL, 0, 0};

    *text_out = NULL;
    if (!s4u_cache_name_ours(name) || !field_ok(name))
        return EINVAL;
    appendf(&t, "pending\t%s\n", name);
    return text_finish(&t, text_out);
}
