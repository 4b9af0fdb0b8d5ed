/*
 * s4uctl_check.c: s4uctl check and status, the commands that ask the KDC.
 *
 * check runs every step of a login for one user (s4u_diag_run) and sums up
 * in the exit status; status shows the configuration, the host's own
 * credentials and the keyring quotas.  Both bound all KDC traffic by
 * --timeout (default timeout=), so a dead or silent KDC cannot hang them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "s4uctl/s4uctl.h"

/* --- running the KDC steps, bounded by a timeout --- */

/*
 * The diagnosis runs in a thread, so that a KDC that never answers cannot
 * hang s4uctl: at the deadline the main thread reports what it has, marks
 * the step in progress TIMEOUT and leaves (with _exit, the thread still
 * blocked in the library).  Results are copied in under the lock.
 */
struct runner {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    const struct s4u_request *req;
    struct s4u_diag_result *results;
    size_t n, cap;
    enum s4u_diag_step step; /* the step running now */
    char subject[S4U_NAME_MAX];
    bool done, abandoned;
};

/* Sink: a step starts. */
static void
on_begin(void *data, enum s4u_diag_step step, const char *subject)
{
    struct runner *r = data;

    pthread_mutex_lock(&r->lock);
    r->step = step;
    snprintf(r->subject, sizeof(r->subject), "%s", subject);
    pthread_mutex_unlock(&r->lock);
}

/* Sink: a step's result. */
static void
on_result(void *data, const struct s4u_diag_result *res)
{
    struct runner *r = data;

    pthread_mutex_lock(&r->lock);
    if (!r->abandoned && r->n < r->cap)
        r->results[r->n++] = *res;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

/* The diagnosis thread. */
static void *
worker(void *arg)
{
    struct runner *r = arg;
    const struct s4u_diag_sink sink = {on_begin, on_result, r};

    s4u_diag_run(r->req, &sink);
    pthread_mutex_lock(&r->lock);
    r->done = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* The result for the step that ran out of time. */
static void
add_timeout(struct runner *r, long timeout)
{
    struct s4u_diag_result *res;

    if (r->n >= r->cap)
        return;
    res = &r->results[r->n];
    s4u_diag_result_init(res, r->step, r->subject);
    s4u_status_set(&res->st, S4U_ERR_TIMEOUT, 0,
                   "no answer from the KDC within %ld seconds", timeout);
    res->verdict = S4U_FAIL;
    r->n++;
}

/* Start the thread; false if it could not start (reported as a result). */
static bool
start_worker(struct runner *r, pthread_t *tid)
{
    pthread_condattr_t attr;
    int ret;

    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cond, &attr);
    pthread_condattr_destroy(&attr);
    ret = pthread_create(tid, NULL, worker, r);
    if (ret != 0) {
        s4u_diag_result_init(&r->results[r->n], S4U_STEP_KEYTAB, "");
        s4u_status_set(&r->results[r->n].st, S4U_ERR_INTERNAL, ret,
                       "cannot start a thread: %s", strerror(ret));
        r->results[r->n++].verdict = S4U_FAIL;
        return false;
    }
    return true;
}

/*
 * Run the KDC steps for req within c->timeout seconds, showing each result
 * as it comes.  Returns false if the deadline passed (c->abandoned set).
 */
static bool
run_bounded(struct ctl *c, struct runner *r, s4uctl_show_fn *show)
{
    struct timespec deadline;
    pthread_t tid;
    size_t shown = 0;
    bool late = false;

    while (shown < r->n) /* results made before the thread runs */
        show(c, r->results, shown++);
    if (!start_worker(r, &tid)) {
        show(c, r->results, shown);
        return true;
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += c->timeout;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        /* Entries below r->n are complete and never change again. */
        while (shown < r->n) {
            pthread_mutex_unlock(&r->lock);
            show(c, r->results, shown++);
            pthread_mutex_lock(&r->lock);
        }
        if (r->done || late)
            break;
        if (pthread_cond_timedwait(&r->cond, &r->lock, &deadline) ==
                ETIMEDOUT &&
            !r->done) {
            r->abandoned = late = true;
            add_timeout(r, c->timeout);
        }
    }
    pthread_mutex_unlock(&r->lock);
    if (late)
        c->abandoned = true;
    else
        pthread_join(tid, NULL);
    return !late;
}

/*
 * A runner with room for every result a check of req can produce, on the
 * heap because the thread may outlive its caller; NULL if out of memory.
 */
static struct runner *
runner_new(const struct s4u_request *req)
{
    struct runner *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->req = req;
    r->cap = S4U_STEP_COUNT + 4 + req->ntargets;
    r->results = calloc(r->cap, sizeof(*r->results));
    if (r->results == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

/* Free a runner once no thread uses it. */
static void
runner_free(struct runner *r)
{
    if (r == NULL)
        return;
    free(r->results);
    free(r);
}

/* --- check --- */

/* The user step: would the module delegate for this login at all? */
static void
user_result(const struct ctl *c, const struct user *u,
            struct s4u_diag_result *r)
{
    bool in_passwd = false;
    int ret = 0;

    s4u_diag_result_init(r, S4U_STEP_USER, u->name);
    if (u->local && !c->opts.local_accounts)
        ret = s4u_local_account("/etc/passwd", u->name, &in_passwd);
    if (!u->local) {
        s4u_status_set(&r->st, S4U_ERR_BAD_USER, 0, "no local account");
        snprintf(r->reason, sizeof(r->reason),
                 "pam_s4u delegates only for accounts this host knows "
                 "(getpwnam)");
        r->verdict = S4U_FAIL;
    } else if (ret != 0 || in_passwd) {
        s4u_status_set(&r->st, S4U_ERR_LOCAL_ACCOUNT, ret, "%s",
                       ret != 0 ? "cannot read /etc/passwd to tell"
                                : "/etc/passwd holds this account");
        snprintf(r->reason, sizeof(r->reason),
                 "local_accounts is off: a local account is not the "
                 "domain account of the same name");
        r->verdict = S4U_FAIL;
    } else if (!s4u_uid_allowed(&c->opts, u->uid)) {
        s4u_status_set(&r->st, S4U_ERR_BAD_USER, 0,
                       "uid %lu is below minimum_uid=%ld",
                       (unsigned long)u->uid, c->opts.minimum_uid);
        snprintf(r->reason, sizeof(r->reason),
                 "pam_s4u never impersonates root or system accounts");
        r->verdict = S4U_FAIL;
    } else {
        snprintf(r->facts, sizeof(r->facts), "%s account, uid %lu",
                 c->opts.local_accounts ? "local or domain" : "domain",
                 (unsigned long)u->uid);
    }
}

/* The configuration step: where it came from, and any warnings. */
static void
config_result(const struct ctl *c, const struct s4u_request *req,
              struct s4u_diag_result *r)
{
    char where[S4U_NAME_MAX + 64];
    size_t i, len;

    if (c->line != NULL)
        snprintf(where, sizeof(where), "%s:%u (%s)", c->line->file,
                 c->line->line, c->line->type);
    else
        snprintf(where, sizeof(where), "%s (no pam_s4u.so line)", c->service);
    s4u_diag_result_init(r, S4U_STEP_CONFIG, where);
    snprintf(r->facts, sizeof(r->facts), "%zu target%s, timeout %ld s",
             req->ntargets, req->ntargets == 1 ? "" : "s", c->timeout);
    if (c->nwarnings == 0)
        return;
    s4u_status_set(&r->st, S4U_ERR_CONFIG, 0, "%zu warning%s", c->nwarnings,
                   c->nwarnings == 1 ? "" : "s");
    for (i = 0; i < c->nwarnings; i++) {
        len = strlen(r->reason);
        snprintf(r->reason + len, sizeof(r->reason) - len, "%s%s",
                 i > 0 ? "; " : "", c->warnings[i]);
    }
    r->verdict = S4U_WARN;
}

/* TARGET arguments as one list in the syntax of targets=; NULL: ENOMEM. */
static char *
join_targets(char **targets, int ntargets)
{
    char *joined;
    size_t len = 1;
    int i;

    for (i = 0; i < ntargets; i++)
        len += strlen(targets[i]) + 1;
    joined = calloc(1, len);
    for (i = 0; joined != NULL && i < ntargets; i++) {
        strcat(joined, targets[i]);
        strcat(joined, ",");
    }
    return joined;
}

/*
 * The request check runs: the module's, from the configuration and the
 * user, with the TARGET arguments (if any) in place of targets=.
 */
static int
check_request(const struct ctl *c, const struct user *u, char **targets,
              int ntargets, struct s4u_request *req)
{
    char *joined = NULL;
    const char *why = NULL;
    int ret;

    *req = (struct s4u_request){0};
    if (ntargets > 0 && (joined = join_targets(targets, ntargets)) == NULL)
        ret = ENOMEM;
    else
        ret = s4u_options_request(&c->opts, u->name, u->uid, u->gid, joined,
                                  req, &why);
    free(joined);
    if (ret == ENOMEM) {
        s4uctl_complain("out of memory");
        return S4UCTL_NOTHING;
    }
    if (ret != 0) {
        s4uctl_complain("%s", why != NULL ? why : strerror(ret));
        return S4UCTL_USAGE;
    }
    req->timeout = (unsigned int)c->timeout; /* --timeout, or timeout= */
    return 0;
}

/* How many targets can be delegated. */
static size_t
targets_ok(const struct s4u_diag_result *res, size_t n)
{
    size_t i, ok = 0;

    for (i = 0; i < n; i++) {
        if (res[i].step == S4U_STEP_S4U2PROXY && res[i].verdict == S4U_PASS)
            ok++;
    }
    return ok;
}

/* The exit status of a check, from its results. */
static int
check_status(const struct s4u_diag_result *res, size_t n, size_t ntargets)
{
    size_t i, ok = targets_ok(res, n);
    bool failed = false, fatal = false;

    for (i = 0; i < n; i++) {
        if (res[i].verdict != S4U_FAIL)
            continue;
        failed = true;
        if (res[i].step == S4U_STEP_USER || res[i].st.code == S4U_ERR_TIMEOUT)
            fatal = true;
    }
    if (fatal || ok == 0)
        return S4UCTL_NOTHING;
    return failed || ok < ntargets ? S4UCTL_PARTIAL : 0;
}

/* The last words of a check, as text. */
static void
print_check_summary(const struct ctl *c, const struct s4u_diag_result *res,
                    size_t n, size_t ntargets, int status)
{
    static const char *const meaning[] = {"every step passed",
                                          "some targets or checks failed",
                                          "nothing can be delegated"};
    size_t ok = targets_ok(res, n);

    printf("\nresult: %zu of %zu target%s can be delegated for %s; exit "
           "status %d (%s)\n",
           ok, ntargets, ntargets == 1 ? "" : "s", c->login, status,
           meaning[status]);
}

/* check as JSON. */
static void
json_check(const struct ctl *c, const struct runner *r,
           const struct s4u_request *req, int status)
{
    static const char *const result[] = {"ok", "partial", "failed"};
    struct s4u_json j;

    s4u_json_init(&j, stdout);
    s4u_json_begin_object(&j, NULL);
    s4u_json_string(&j, "command", "check");
    s4u_json_string(&j, "user", c->login);
    s4u_json_int(&j, "timeout", c->timeout);
    s4u_json_int(&j, "exit_status", status);
    s4u_json_string(&j, "result", result[status]);
    s4u_json_int(&j, "targets_total", (int64_t)req->ntargets);
    s4u_json_int(&j, "targets_ok", (int64_t)targets_ok(r->results, r->n));
    s4uctl_json_config(&j, c);
    s4uctl_policy_json(&j, c, req);
    s4uctl_json_results(&j, c, r->results, r->n);
    s4u_json_end_object(&j);
    fflush(stdout);
}

/*
 * s4uctl check USER [TARGET...]: every step of a login for USER, with the
 * cause and the fix of each failure.  Nothing is written to any cache.
 */
int
s4uctl_check(struct ctl *c, int argc, char **argv)
{
    struct s4u_request req = {0};
    struct runner *r = NULL;
    struct user u;
    const char *why = NULL;
    int status;

    if (argc < 1) {
        s4uctl_complain("check: name the user (s4uctl check USER [TARGET...])");
        return S4UCTL_USAGE;
    }
    if (!s4u_user_name_valid(argv[0], &why)) {
        s4uctl_complain("check: %s", why);
        return S4UCTL_USAGE;
    }
    if (geteuid() != 0) {
        s4uctl_complain(
            "check must run as root: it reads the jump host's keytab");
        return S4UCTL_DENIED;
    }
    status = s4uctl_load_config(c);
    if (status != 0)
        return status;
    s4uctl_resolve_user(argv[0], &u);
    c->login = u.name;
    status = check_request(c, &u, argv + 1, argc - 1, &req);
    if (status == 0)
        status = s4uctl_policy_targets(c, &u, argc > 1, &req);
    if (status == 0 && req.ntargets == 0) {
        s4uctl_complain("no targets: give TARGET arguments, set targets= or "
                        "write a policy file (see s4uctl status)");
        status = S4UCTL_USAGE;
    }
    if (status != 0)
        goto cleanup;
    r = runner_new(&req);
    if (r == NULL) {
        s4uctl_complain("out of memory");
        status = S4UCTL_NOTHING;
        goto cleanup;
    }
    config_result(c, &req, &r->results[r->n++]);
    user_result(c, &u, &r->results[r->n++]);
    if (!c->json)
        printf("s4uctl check %s: nothing is written to any cache\n\n", u.name);
    (void)run_bounded(c, r, c->json ? s4uctl_show_nothing : s4uctl_show_text);
    status = check_status(r->results, r->n, req.ntargets);
    if (c->json)
        json_check(c, r, &req, status);
    else
        print_check_summary(c, r->results, r->n, req.ntargets, status);

cleanup:
    if (!c->abandoned) { /* else the thread still uses req and r */
        s4u_request_free(&req);
        runner_free(r);
    }
    return status;
}

/* --- status --- */

/*
 * The host's credentials: run the host steps (root only).  *r_out is the
 * runner whose results json_status shows, NULL if none ran.
 */
static int
host_state(struct ctl *c, struct runner **r_out, struct s4u_request *req)
{
    const char *why = NULL;
    struct runner *r;
    size_t i;

    *r_out = NULL;
    if (s4u_options_request(&c->opts, NULL, 0, 0, NULL, req, &why) != 0 ||
        (r = runner_new(req)) == NULL) {
        s4uctl_complain("out of memory");
        return S4UCTL_NOTHING;
    }
    *r_out = r;
    req->timeout = (unsigned int)c->timeout; /* --timeout, or timeout= */
    if (!c->json)
        printf("\nHost credentials (timeout %ld s):\n", c->timeout);
    (void)run_bounded(c, r, c->json ? s4uctl_show_nothing : s4uctl_show_text);
    for (i = 0; i < r->n; i++) {
        if (r->results[i].verdict == S4U_FAIL)
            return S4UCTL_NOTHING;
    }
    return 0;
}

/* The host's kept TGTs as text: principal, state, end; never contents. */
static void
print_kept(const struct s4u_purge *hc)
{
    char t[64];
    size_t i;

    printf("  kept host credentials: %s\n", hc->explanation);
    for (i = 0; i < hc->ntgts && i < S4U_KEPT_MAX; i++)
        printf("    %s: %s, ends %s\n", hc->tgts[i].principal,
               hc->tgts[i].state,
               hc->tgts[i].endtime != 0
                   ? s4uctl_when(hc->tgts[i].endtime, false, t, sizeof(t))
                   : "?");
}

/* status as JSON. */
static void
json_status(const struct ctl *c, const struct runner *r,
            const struct s4u_key_limits *kl, const struct s4u_purge *hc,
            int status)
{
    struct s4u_json j;

    s4u_json_init(&j, stdout);
    s4u_json_begin_object(&j, NULL);
    s4u_json_string(&j, "command", "status");
    s4u_json_int(&j, "exit_status", status);
    s4uctl_json_config(&j, c);
    s4uctl_policy_status(c, &j);
    s4u_json_begin_object(&j, "host");
    s4u_json_bool(&j, "checked", r != NULL);
    if (r != NULL)
        s4uctl_json_results(&j, c, r->results, r->n);
    s4u_json_bool(&j, "credentials_kept_between_logins", hc->kept);
    s4u_json_string(&j, "credential_cache", hc->explanation);
    s4u_json_begin_array(&j, "kept_tgts");
    for (size_t i = 0; i < hc->ntgts && i < S4U_KEPT_MAX; i++) {
        s4u_json_begin_object(&j, NULL);
        s4u_json_string(&j, "principal", hc->tgts[i].principal);
        s4u_json_string(&j, "state", hc->tgts[i].state);
        s4u_json_int(&j, "endtime", hc->tgts[i].endtime);
        s4u_json_end_object(&j);
    }
    s4u_json_end_array(&j);
    s4u_json_end_object(&j);
    s4uctl_json_keyring(&j, kl);
    s4u_json_end_object(&j);
    fflush(stdout);
}

/*
 * s4uctl status: the effective configuration and where each value came
 * from, the host's credentials now (root only), and the keyring quotas.
 */
int
s4uctl_status(struct ctl *c, int argc, char **argv)
{
    struct s4u_request req = {0};
    struct s4u_key_limits kl = {0};
    struct s4u_purge hc = {0};
    struct runner *r = NULL;
    int status;

    (void)argv;
    if (argc > 0) {
        s4uctl_complain("status takes no arguments");
        return S4UCTL_USAGE;
    }
    status = s4uctl_load_config(c);
    if (status != 0)
        return status;
    if (geteuid() == 0)
        s4u_host_cache_info(c->opts.host_cache, &hc);
    else
        snprintf(hc.explanation, sizeof(hc.explanation),
                 "run s4uctl status as root to see them");
    if (!c->json)
        s4uctl_print_config(c);
    if (!c->json)
        s4uctl_policy_status(c, NULL);
    if (geteuid() == 0) {
        status = host_state(c, &r, &req);
    } else if (!c->json) {
        printf("\nHost credentials: run s4uctl status as root to check them\n");
    }
    if (!c->json)
        print_kept(&hc);
    if (s4u_key_limits_read(&kl) != 0)
        s4uctl_complain("cannot read /proc/key-users");
    if (c->json)
        json_status(c, r, &kl, &hc, status);
    else
        s4uctl_print_keyring(&kl);
    s4u_key_limits_free(&kl);
    if (!c->abandoned) { /* else the thread still uses req and r */
        s4u_request_free(&req);
        runner_free(r);
    }
    return status;
}
