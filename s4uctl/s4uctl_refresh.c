/*
 * s4uctl_refresh.c: s4uctl refresh, fresh tickets for long sessions.
 *
 * For every session the module recorded at login (lib/s4u_session.h),
 * and nothing else:
 *   - its process is gone (the pid is free, or another process has it):
 *     the session ended without logout, so its cache is removed, as the
 *     user, and so is its record;
 *   - the account no longer exists, has another uid, is below minimum_uid,
 *     is locked or has expired: nothing is refreshed;
 *   - otherwise, when a ticket ends within the margin, the targets the
 *     policy still grants (pam_s4u.conf(5), or targets=) are fetched again
 *     into the same cache by the helper's refresh mode, so KRB5CCNAME stays
 *     valid; a target no longer granted is dropped.
 * A cache the user removed herself is not brought back; its record goes.
 * The configuration is the one the session's PAM service has now.  Every
 * action goes to syslog (escaped) and to the output, text or --json.
 */
#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lib/s4u_policy.h"
#include "lib/s4u_session.h"
#include "lib/s4u_spawn.h"
#include "s4uctl/s4uctl.h"

/* What was done with one session. */
struct action {
    char id[S4U_SESSION_ID_LEN + 1];
    char user[S4U_USER_MAX * 4 + 1]; /* escaped */
    const char *what; /* refreshed, not_due, ended, refused, failed */
    char detail[2 * S4U_NAME_MAX];
    struct s4u_outcome out; /* refreshed or failed: the helper's answer */
};

/* The run: its options, and the actions for the report. */
struct run {
    struct ctl *c;
    krb5_context ctx;
    time_t now;
    struct action *acts;
    size_t nacts;
    bool failed;
};

/* Log one action at prio, and keep its detail for the output. */
__attribute__((format(printf, 4, 5))) static void
act(struct action *a, int prio, const char *what, const char *fmt, ...)
{
    va_list ap;

    a->what = what;
    va_start(ap, fmt);
    vsnprintf(a->detail, sizeof(a->detail), fmt, ap);
    va_end(ap);
    s4u_escape_inplace(a->detail, sizeof(a->detail));
    if (strcmp(what, "not_due") != 0)
        syslog(prio, "refresh: session %s of user=%s: %s", a->id, a->user,
               a->detail);
}

/* --- the session's configuration --- */

/* The warn function of s4u_options_load: to syslog, escaped. */
__attribute__((format(printf, 2, 3))) static void
log_warning(void *data, const char *fmt, ...)
{
    char text[1024];
    va_list ap;

    (void)data;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    s4u_escape_inplace(text, sizeof(text));
    syslog(LOG_WARNING, "refresh: %s", text);
}

/*
 * The options of the session's PAM service as the module reads them now:
 * its session line with pam_s4u.so, else its first.  0, or an errno value
 * with why.
 */
static int
service_options(struct run *r, const char *service, struct s4u_options *opts,
                char *why, size_t size)
{
    struct s4u_pam_line *lines = NULL, *line = NULL;
    const char *what = NULL;
    char *path = NULL;
    size_t n = 0, i;
    int ret;

    ret = s4u_pam_service_path(service, &path);
    if (ret == 0)
        ret = s4u_pam_service_lines(path, &lines, &n, &what);
    for (i = 0; ret == 0 && i < n && line == NULL; i++) {
        if (strcmp(lines[i].type, "session") == 0)
            line = &lines[i];
    }
    if (ret == 0 && line == NULL && n > 0)
        line = &lines[0];
    if (ret == 0 && line == NULL)
        ret = ENOENT;
    if (ret == 0)
        ret = s4u_options_load(r->ctx, opts, (int)line->argc,
                               (const char **)line->argv, path, log_warning,
                               NULL);
    if (ret != 0)
        snprintf(why, size,
                 "the PAM service %s has no usable pam_s4u.so line (%s)",
                 service,
                 what != NULL    ? what
                 : ret == ENOENT ? "none"
                                 : strerror(ret));
    s4u_pam_lines_free(lines, n);
    free(path);
    return ret;
}

/* --- the account --- */

/*
 * Is the account locked or expired in the shadow file?  Locked: the
 * password field starts with '!' followed by more ("usermod -L" or
 * "passwd -l" on an account that had a password, or on one with none:
 * "!!" or "!*").  A bare "!" or "*" is an account that never had a
 * password, such as one that logs in with a key only, and counts as
 * unlocked: to lock such an account, expire it ("usermod -e 1"), as
 * usermod(8) advises.  Expired: an expiry day that has come, as pam_unix
 * counts it.  No shadow entry (an SSSD or LDAP account) is neither.
 */
static bool
shadow_refuses(const char *user, time_t now, char *why, size_t size)
{
    struct spwd sp, *res = NULL;
    char buf[4096];
    long today = (long)(now / 86400);

    if (getspnam_r(user, &sp, buf, sizeof(buf), &res) != 0 || res == NULL)
        return false;
    if (sp.sp_pwdp != NULL && sp.sp_pwdp[0] == '!' && sp.sp_pwdp[1] != '\0') {
        snprintf(why, size,
                 "the account is locked (its password starts with "
                 "'!'); nothing refreshed");
        return true;
    }
    if (sp.sp_expire >= 0 && today >= sp.sp_expire) {
        snprintf(why, size, "the account expired (day %ld); nothing refreshed",
                 sp.sp_expire);
        return true;
    }
    return false;
}

/* May this session's tickets be renewed, as far as the account goes? */
static bool
account_ok(const struct run *r, const struct s4u_session *s,
           const struct s4u_options *opts, char *why, size_t size)
{
    uid_t uid = 0;
    int ret = s4u_nss_uid(s->user, &uid);

    if (ret == ENOENT)
        snprintf(why, size, "the account no longer exists; nothing refreshed");
    else if (ret != 0)
        snprintf(why, size, "cannot look the account up: %s", strerror(ret));
    else if (uid != s->uid)
        snprintf(why, size,
                 "the account now has uid %lu, not %lu; nothing refreshed",
                 (unsigned long)uid, (unsigned long)s->uid);
    else if (!s4u_uid_allowed(opts, uid))
        snprintf(why, size,
                 "uid %lu is below minimum_uid=%ld; nothing refreshed",
                 (unsigned long)uid, opts->minimum_uid);
    else
        return !shadow_refuses(s->user, r->now, why, size);
    return false;
}

/* --- the helper --- */

/* Run the helper in mode for s, with targets (refresh) or none (destroy). */
static int
run_helper(const struct s4u_options *opts, const struct s4u_session *s,
           const char *mode, char **targets, size_t ntargets,
           struct s4u_outcome *out)
{
    struct s4u_request req = {0};
    const char *why = NULL;
    char *text = NULL;
    int ret;

    ret = s4u_options_request(opts, s->user, s->uid, s->gid, NULL, &req, &why);
    if (ret != 0) {
        s4u_status_set(&out->st, S4U_ERR_CONFIG, ret, "%s",
                       why != NULL ? why : strerror(ret));
        return ret;
    }
    free(req.ccache);
    s4u_strv_free(req.targets, req.ntargets);
    req.targets = NULL;
    req.ntargets = 0;
    req.ccache = strdup(s->ccache);
    ret = req.ccache == NULL ? ENOMEM : 0;
    for (size_t i = 0; ret == 0 && i < ntargets; i++)
        ret = s4u_strv_append(&req.targets, &req.ntargets, targets[i]);
    if (ret == 0)
        ret = s4u_request_format(&req, mode, &text);
    if (ret == 0)
        ret = s4u_run_helper(opts->helper, text, req.timeout, out);
    else
        s4u_status_set(&out->st, S4U_ERR_INTERNAL, ret,
                       "cannot build the "
                       "request");
    free(text);
    s4u_request_free(&req);
    return ret;
}

/* --- one session --- */

/*
 * The session ended without logout: remove its cache, as the user, and
 * its record.  The helper named by the service's configuration does it,
 * or the default one when that configuration is gone.
 */
static void
end_session(struct run *r, struct action *a, const struct s4u_session *s)
{
    struct s4u_options opts = {0};
    struct s4u_outcome out = {0};
    char why[2 * S4U_NAME_MAX] = "";
    int ret;

    if (service_options(r, s->service, &opts, why, sizeof(why)) != 0 &&
        s4u_options_load(NULL, &opts, 0, NULL, NULL, log_warning, NULL) != 0) {
        act(a, LOG_ERR, "failed", "out of memory");
        r->failed = true;
        return;
    }
    ret = run_helper(&opts, s, "destroy", NULL, 0, &out);
    if (ret != 0 || out.st.code != S4U_OK) {
        act(a, LOG_ERR, "failed",
            "its process %ld is gone without logout, but removing its cache "
            "%s failed: %s [%s]",
            (long)s->pid, s->ccache, out.st.detail,
            s4u_explain(out.st.code)->id);
        r->failed = true;
    } else if (s4u_session_forget(s->ccache, why, sizeof(why)) != 0) {
        act(a, LOG_ERR, "failed",
            "removed its cache %s, but not its record: "
            "%s",
            s->ccache, why);
        r->failed = true;
    } else {
        act(a, LOG_NOTICE, "ended",
            "its process %ld is gone without logout; removed its cache %s "
            "and its record",
            (long)s->pid, s->ccache);
    }
    s4u_outcome_free(&out);
    s4u_options_free(&opts);
}

/* Log a target the configuration no longer grants. */
static void
no_longer(const struct action *a, const char *target, const char *where)
{
    char name[S4U_NAME_MAX * 4 + 1];

    s4u_escape(name, sizeof(name), target);
    syslog(LOG_NOTICE,
           "refresh: session %s of user=%s: %s is no longer granted (%s); "
           "not refreshed",
           a->id, a->user, name, where);
}

/* The recorded targets the policy still grants; logs the others. */
static int
still_granted(struct action *a, const struct s4u_session *s,
              const struct s4u_options *opts, char ***vec_out, size_t *n_out)
{
    struct s4u_decision d;
    size_t i;
    int ret;

    *vec_out = NULL;
    *n_out = 0;
    ret = s4u_policy_decide(opts, s->user, s->gid, &d);
    if (ret != 0)
        return ret;
    if (d.state == S4U_POLICY_REFUSED)
        syslog(LOG_ERR, "refresh: session %s of user=%s: policy: %s", a->id,
               a->user, d.why);
    for (i = 0; ret == 0 && i < s->ntargets; i++) {
        if (s4u_grants_find(&d.grants, s->targets[i].name, NULL))
            ret = s4u_strv_append(vec_out, n_out, s->targets[i].name);
        else if (d.state != S4U_POLICY_REFUSED)
            no_longer(a, s->targets[i].name,
                      d.state == S4U_POLICY_FILE ? d.file : "targets=");
    }
    s4u_decision_free(&d);
    return ret;
}

/* Does a recorded ticket end within the margin? */
static bool
due(const struct run *r, const struct s4u_session *s, int64_t *first_out)
{
    size_t i;

    *first_out = 0;
    for (i = 0; i < s->ntargets; i++) {
        if (*first_out == 0 || s->targets[i].endtime < *first_out)
            *first_out = s->targets[i].endtime;
    }
    return s->ntargets > 0 && *first_out - (int64_t)r->now <= r->c->margin;
}

/* Record what the helper stored: the targets it refreshed, new end times. */
static void
update_record(struct action *a, struct s4u_session *s,
              const struct s4u_outcome *out)
{
    char why[2 * S4U_NAME_MAX] = "";
    int ret;

    ret = s4u_session_retarget(s, out);
    if (ret == 0)
        ret = s4u_session_save(s, why, sizeof(why));
    else
        snprintf(why, sizeof(why), "%s", strerror(ret));
    if (ret != 0)
        syslog(LOG_ERR,
               "refresh: session %s of user=%s: cannot update its "
               "record: %s",
               a->id, a->user, why);
}

/*
 * Did the helper find the cache gone?  Its refresh mode never creates a
 * cache (no logout would remove it), so the user removed it herself.
 */
static bool
cache_removed(const struct s4u_outcome *out)
{
    return out->st.code == S4U_ERR_CACHE &&
           (out->st.lib_code == KRB5_FCC_NOFILE ||
            out->st.lib_code == KRB5_CC_NOTFOUND);
}

/* The user removed the session's cache: drop its record, and say so. */
static void
forget(struct run *r, struct action *a, const struct s4u_session *s)
{
    char why[2 * S4U_NAME_MAX] = "";

    if (s4u_session_forget(s->ccache, why, sizeof(why)) != 0) {
        act(a, LOG_ERR, "failed", "cannot remove its record: %s", why);
        r->failed = true;
        return;
    }
    act(a, LOG_NOTICE, "gone",
        "its cache %s is gone (the user removed it); it is not brought back, "
        "and its record is removed",
        s->ccache);
}

/* Log the helper's answer for each target, and the summary. */
static void
report_outcome(struct run *r, struct action *a, const struct s4u_session *s,
               size_t asked)
{
    const struct s4u_outcome *out = &a->out;
    char when[64] = "", name[S4U_NAME_MAX * 4 + 1];
    char detail[S4U_DETAIL_MAX * 4 + 1];
    int64_t first = 0;
    size_t i;

    if (cache_removed(out)) {
        forget(r, a, s);
        return;
    }
    if (out->st.code != S4U_OK || out->ccache_name == NULL) {
        act(a, LOG_ERR, "failed", "refreshing %s failed: %s [%s]", s->ccache,
            out->st.detail, s4u_explain(out->st.code)->id);
        r->failed = true;
        return;
    }
    for (i = 0; i < out->ntargets; i++) {
        s4u_escape(name, sizeof(name), out->targets[i].target);
        s4u_escape(detail, sizeof(detail), out->targets[i].st.detail);
        if (out->targets[i].st.code != S4U_OK) {
            syslog(LOG_WARNING,
                   "refresh: delegation to %s failed for "
                   "user=%s: %s [%s]",
                   name, a->user, detail,
                   s4u_explain(out->targets[i].st.code)->id);
            r->failed = true;
        } else if (first == 0 || out->targets[i].endtime < first) {
            first = out->targets[i].endtime;
        }
    }
    act(a, LOG_NOTICE, "refreshed",
        "refreshed %zu of %zu targets in %s; they now expire at %s",
        out->stored, asked, s->ccache,
        s4uctl_when(first, true, when, sizeof(when)));
}

/* Refresh the session's cache if a ticket is due and the account may. */
static void
maybe_refresh(struct run *r, struct action *a, struct s4u_session *s)
{
    struct s4u_options opts = {0};
    char why[2 * S4U_NAME_MAX] = "", **targets = NULL, when[64] = "";
    size_t n = 0;
    int64_t first;

    if (!due(r, s, &first)) {
        act(a, LOG_DEBUG, "not_due",
            "first ticket ends at %s, after the "
            "margin",
            s4uctl_when(first, true, when, sizeof(when)));
    } else if (service_options(r, s->service, &opts, why, sizeof(why)) != 0 ||
               !account_ok(r, s, &opts, why, sizeof(why))) {
        act(a, LOG_NOTICE, "refused", "%s", why);
    } else if (still_granted(a, s, &opts, &targets, &n) != 0) {
        act(a, LOG_ERR, "failed", "out of memory");
        r->failed = true;
    } else if (n == 0) {
        act(a, LOG_NOTICE, "refused",
            "the configuration grants none of its targets any longer; "
            "nothing refreshed");
    } else {
        (void)run_helper(&opts, s, "refresh", targets, n, &a->out);
        report_outcome(r, a, s, n);
        if (a->out.ccache_name != NULL)
            update_record(a, s, &a->out);
    }
    s4u_strv_free(targets, n);
    s4u_options_free(&opts);
}

/*
 * Lock the record, so that a logout running now waits for this run, and
 * this run skips a session whose logout is under way (it holds the lock)
 * or done (its record is gone).  true when locked, with *fd set.
 */
static bool
lock_session(struct run *r, struct action *a, int *fd)
{
    char why[2 * S4U_NAME_MAX] = "";
    int ret = s4u_session_lock(a->id, 0, fd, why, sizeof(why));

    if (ret == ENOENT)
        act(a, LOG_INFO, "closed",
            "logged out during this run; nothing refreshed");
    else if (ret == EWOULDBLOCK)
        act(a, LOG_INFO, "busy",
            "its logout (or another refresh) is under way; skipped");
    else if (ret != 0)
        act(a, LOG_ERR, "failed", "unreadable record: %s", why);
    r->failed |= ret != 0 && ret != ENOENT && ret != EWOULDBLOCK;
    return ret == 0;
}

/* One record: ended, refused, not due, or refreshed. */
static void
one_session(struct run *r, struct action *a)
{
    struct s4u_session s;
    char why[2 * S4U_NAME_MAX] = "";
    int lock = -1;

    snprintf(a->user, sizeof(a->user), "?");
    if (!lock_session(r, a, &lock))
        return;
    if (s4u_session_load(a->id, &s, why, sizeof(why)) != 0) {
        close(lock);
        act(a, LOG_ERR, "failed", "unreadable record: %s", why);
        r->failed = true;
        return;
    }
    s4u_escape(a->user, sizeof(a->user), s.user);
    if (!s4u_session_alive(&s))
        end_session(r, a, &s);
    else
        maybe_refresh(r, a, &s);
    s4u_session_free(&s);
    close(lock);
}

/* --- output --- */

/* The actions as text, one line each. */
static void
print_actions(const struct run *r)
{
    size_t i;

    if (r->nacts == 0)
        printf("no open sessions recorded in %s\n", S4U_SESSION_DIR);
    for (i = 0; i < r->nacts; i++)
        printf("%s user=%s: %s: %s\n", r->acts[i].id, r->acts[i].user,
               r->acts[i].what, r->acts[i].detail);
}

/* The actions as JSON. */
static void
json_actions(const struct run *r, int status)
{
    const struct s4u_outcome *o;
    struct s4u_json j;
    size_t i, t;

    s4u_json_init(&j, stdout);
    s4u_json_begin_object(&j, NULL);
    s4u_json_string(&j, "command", "refresh");
    s4u_json_int(&j, "margin", r->c->margin);
    s4u_json_int(&j, "exit_status", status);
    s4u_json_begin_array(&j, "sessions");
    for (i = 0; i < r->nacts; i++) {
        o = &r->acts[i].out;
        s4u_json_begin_object(&j, NULL);
        s4u_json_string(&j, "id", r->acts[i].id);
        s4u_json_string(&j, "user", r->acts[i].user);
        s4u_json_string(&j, "action", r->acts[i].what);
        s4u_json_string(&j, "detail", r->acts[i].detail);
        s4u_json_begin_array(&j, "targets");
        for (t = 0; t < o->ntargets; t++) {
            s4u_json_begin_object(&j, NULL);
            s4u_json_string(&j, "target", o->targets[t].target);
            s4u_json_string(&j, "status",
                            s4u_explain(o->targets[t].st.code)->id);
            s4u_json_int(&j, "endtime", o->targets[t].endtime);
            s4u_json_end_object(&j);
        }
        s4u_json_end_array(&j);
        s4u_json_end_object(&j);
    }
    s4u_json_end_array(&j);
    s4u_json_end_object(&j);
}

/* Run every recorded session; the ids come sorted. */
static int
run_all(struct run *r)
{
    char **ids = NULL, why[2 * S4U_NAME_MAX] = "";
    size_t n = 0, i;
    int ret;

    ret = s4u_session_list(&ids, &n, why, sizeof(why));
    if (ret != 0) {
        s4u_escape_inplace(why, sizeof(why));
        syslog(LOG_ERR, "refresh: %s", why);
        s4uctl_complain("refresh: %s", why[0] != '\0' ? why : strerror(ret));
        return S4UCTL_NOTHING;
    }
    r->acts = n > 0 ? calloc(n, sizeof(*r->acts)) : NULL;
    if (n > 0 && r->acts == NULL) {
        s4u_strv_free(ids, n);
        s4uctl_complain("out of memory");
        return S4UCTL_NOTHING;
    }
    for (i = 0; i < n; i++) {
        snprintf(r->acts[i].id, sizeof(r->acts[i].id), "%s", ids[i]);
        r->nacts++;
        one_session(r, &r->acts[i]);
    }
    s4u_strv_free(ids, n);
    return r->failed ? S4UCTL_PARTIAL : 0;
}

/*
 * s4uctl refresh: renew the tickets of open sessions that end within
 * --margin, remove the caches of sessions that ended without logout.
 */
int
s4uctl_refresh(struct ctl *c, int argc, char **argv)
{
    struct run r = {.c = c};
    int status;
    size_t i;

    (void)argv;
    if (argc > 0) {
        s4uctl_complain("refresh takes no arguments");
        return S4UCTL_USAGE;
    }
    if (geteuid() != 0) {
        s4uctl_complain("refresh must run as root");
        return S4UCTL_DENIED;
    }
    if (krb5_init_secure_context(&r.ctx) != 0)
        r.ctx = NULL;
    r.now = time(NULL);
    openlog("s4uctl", LOG_PID, LOG_AUTHPRIV);
    status = run_all(&r);
    if (c->json)
        json_actions(&r, status);
    else
        print_actions(&r);
    for (i = 0; i < r.nacts; i++)
        s4u_outcome_free(&r.acts[i].out);
    free(r.acts);
    if (r.ctx != NULL)
        krb5_free_context(r.ctx);
    closelog();
    return status;
}
