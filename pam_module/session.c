/*
 * session.c: what pam_s4u does at login and logout.
 *
 * Login: check the user, build a request, run the helper, log each result,
 * and point KRB5CCNAME at the new cache.  Logout: have the helper destroy
 * exactly the cache this login created.  Refresh: have the helper rewrite
 * the session's cache in place.  A failed delegation is logged and the
 * login goes on, unless the admin set fail_on_error.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "lib/s4u_pamfile.h"
#include "lib/s4u_policy.h"
#include "lib/s4u_session.h"
#include "pam_module/internal.h"

#define DATA_CCACHE "pam_s4u_ccache"
#define DATA_IDS "pam_s4u_ids"

/* The user's ids, resolved once at login and kept for logout. */
struct ids {
    uid_t uid;
    gid_t gid;
};

/* pam_set_data cleanup for our heap data. */
static void
free_data(pam_handle_t *pamh, void *data, int status)
{
    (void)pamh;
    (void)status;
    free(data);
}

/* PAM_USER, if it is a plain local name; logs why not. */
static const char *
checked_user(pam_handle_t *pamh)
{
    const char *user = NULL, *why;

    if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS ||
        user == NULL) {
        s4u_log(pamh, LOG_ERR,
                "no user name from the application; "
                "nothing delegated");
        return NULL;
    }
    if (!s4u_user_name_valid(user, &why)) {
        s4u_log(pamh, LOG_NOTICE,
                "refusing to delegate for this login: %s; only plain user "
                "names, user@domain and DOMAIN\\user are impersonated",
                why);
        return NULL;
    }
    return user;
}

/*
 * Resolve the user's ids once; refuse root and system accounts.  libpam's
 * lookup keeps the entry in the handle, so no buffer size can cut it short.
 */
static bool
resolve_ids(pam_handle_t *pamh, const struct s4u_options *opts,
            const char *user, struct ids *ids)
{
    const struct passwd *pw = pam_modutil_getpwnam(pamh, user);

    if (pw == NULL) {
        s4u_log(pamh, LOG_NOTICE,
                "user=%s is not a local account; nothing "
                "delegated",
                user);
        return false;
    }
    if (!s4u_uid_allowed(opts, pw->pw_uid)) {
        s4u_log(pamh, LOG_INFO,
                "not delegating for user=%s: uid %lu is "
                "below minimum_uid=%ld (root and system accounts are never "
                "impersonated)",
                user, (unsigned long)pw->pw_uid, opts->minimum_uid);
        return false;
    }
    ids->uid = pw->pw_uid;
    ids->gid = pw->pw_gid;
    return true;
}

/*
 * A local account (an entry in /etc/passwd) is not the domain account of
 * the same name: a local "administrator" made with useradd must not get the
 * domain Administrator's tickets.  Only with local_accounts, for realms
 * whose principals do belong to local accounts, are they delegated for.
 */
static bool
domain_account(pam_handle_t *pamh, const struct s4u_options *opts,
               const char *user)
{
    struct s4u_status st;
    bool local = false;
    int ret;

    if (opts->local_accounts)
        return true;
    ret = s4u_local_account("/etc/passwd", user, &local);
    if (ret == 0 && !local)
        return true;
    s4u_status_clear(&st);
    if (ret != 0)
        s4u_status_set(&st, S4U_ERR_LOCAL_ACCOUNT, ret,
                       "cannot read /etc/passwd to tell: %s", strerror(ret));
    else
        s4u_status_set(&st, S4U_ERR_LOCAL_ACCOUNT, 0,
                       "/etc/passwd holds this account");
    s4u_log_failure(pamh, LOG_NOTICE, user, opts->principal, NULL, "delegation",
                    0, &st);
    return false;
}

/* Fill a request from the options; the helper re-checks all of it. */
static int
build_request(pam_handle_t *pamh, const struct s4u_options *opts,
              const char *user, const struct ids *ids, struct s4u_request *req)
{
    const char *why = NULL;
    int ret;

    ret = s4u_options_request(opts, user, ids->uid, ids->gid, NULL, req, &why);
    if (ret != 0)
        s4u_log(pamh, LOG_ERR,
                "configuration error: %s; nothing delegated; "
                "see pam_s4u(8)",
                why != NULL ? why : "out of memory");
    return ret;
}

/* Say what the policy file decided, for the admin. */
static void
log_decision(pam_handle_t *pamh, const struct s4u_options *opts,
             const char *user, const struct s4u_decision *d)
{
    size_t i;

    if (d->state == S4U_POLICY_REFUSED) {
        s4u_log(pamh, LOG_ERR, "policy: %s; nothing delegated for user=%s",
                d->why, user);
        return;
    }
    if (d->state != S4U_POLICY_FILE)
        return;
    if (d->grants.n == 0)
        s4u_log(pamh, LOG_NOTICE,
                "policy %s grants user=%s no target; nothing delegated (the "
                "login goes on; see pam_s4u.conf(5))",
                d->file, user);
    for (i = 0; opts->debug && i < d->grants.n; i++)
        s4u_log(pamh, LOG_DEBUG, "policy %s:%u grants %s to user=%s", d->file,
                d->grants.lines[i], d->grants.targets[i], user);
}

/*
 * The targets the user may receive: with a policy file, its grants replace
 * targets= (pam_s4u.conf(5)); a refused file grants nothing.  0, or an
 * errno value (nothing is delegated).
 */
static int
apply_policy(pam_handle_t *pamh, const struct s4u_options *opts,
             const char *user, const struct ids *ids, struct s4u_request *req,
             enum s4u_policy_state *state_out)
{
    struct s4u_decision d;
    int ret;

    *state_out = S4U_POLICY_REFUSED;
    ret = s4u_policy_decide(opts, user, ids->gid, &d);
    if (ret != 0) {
        s4u_log(pamh, LOG_ERR, "out of memory reading the policy");
        return ret;
    }
    log_decision(pamh, opts, user, &d);
    *state_out = d.state;
    if (d.state != S4U_POLICY_NONE)
        ret = s4u_grants_to_request(&d.grants, req);
    s4u_decision_free(&d);
    return ret;
}

/* Log every result: failures as warnings, a one-line summary as info. */
static size_t
log_outcome(pam_handle_t *pamh, const struct s4u_options *opts,
            const char *user, const struct s4u_outcome *out)
{
    const struct s4u_target_result *r;
    char what[S4U_NAME_MAX + 32];
    size_t i, failed = 0;

    if (out->st.code != S4U_OK) {
        s4u_log_failure(pamh, LOG_ERR, user, opts->principal, NULL,
                        "delegation", out->kdc_kinds, &out->st);
        return out->ntargets > 0 ? out->ntargets : 1;
    }
    for (i = 0; i < out->ntargets; i++) {
        r = &out->targets[i];
        if (r->st.code == S4U_OK) {
            if (opts->debug)
                s4u_log(pamh, LOG_DEBUG, "delegated %s for user=%s", r->target,
                        user);
            continue;
        }
        failed++;
        snprintf(what, sizeof(what), "delegation to %s", r->target);
        s4u_log_failure(pamh, LOG_WARNING, user, opts->principal, r->target,
                        what, out->kdc_kinds, &r->st);
    }
    s4u_log(pamh, LOG_INFO, "delegated %zu of %zu targets for user=%s%s%s",
            out->stored, out->ntargets, user,
            out->ccache_name != NULL ? " into " : "",
            out->ccache_name != NULL ? out->ccache_name : "");
    return failed;
}

/* Ask the helper to destroy one cache of ours, as the user. */
static void
destroy_cache(pam_handle_t *pamh, const struct s4u_options *opts,
              const char *user, const struct ids *ids, const char *name)
{
    struct s4u_request req = {0};
    struct s4u_outcome out = {0};
    char *text = NULL;

    req.user = (char *)user;
    req.uid = ids->uid;
    req.gid = ids->gid;
    req.ccache = (char *)name;
    req.timeout = (unsigned int)opts->timeout;
    if (s4u_request_format(&req, "destroy", &text) != 0) {
        s4u_log(pamh, LOG_ERR, "cannot remove %s: bad cache name", name);
        return;
    }
    s4u_run_helper(opts->helper, text, req.timeout, &out);
    if (out.st.code != S4U_OK)
        s4u_log_failure(pamh, LOG_ERR, user, opts->principal, NULL,
                        "removing the delegated tickets", out.kdc_kinds,
                        &out.st);
    else if (opts->debug)
        s4u_log(pamh, LOG_DEBUG, "removed %s for user=%s", name, user);
    s4u_outcome_free(&out);
    free(text);
}

/* Remember the new cache for logout and publish it as KRB5CCNAME. */
static int
publish_cache(pam_handle_t *pamh, const struct ids *ids, const char *name)
{
    struct ids *saved = malloc(sizeof(*saved));
    char *env = NULL, *copy = strdup(name);

    if (saved == NULL || copy == NULL ||
        asprintf(&env, "KRB5CCNAME=%s", name) < 0) {
        free(saved);
        free(copy);
        return PAM_BUF_ERR;
    }
    *saved = *ids;
    if (pam_set_data(pamh, DATA_IDS, saved, free_data) != PAM_SUCCESS) {
        free(saved);
        free(copy);
        free(env);
        return PAM_BUF_ERR;
    }
    if (pam_set_data(pamh, DATA_CCACHE, copy, free_data) != PAM_SUCCESS) {
        free(copy);
        free(env);
        return PAM_BUF_ERR;
    }
    if (pam_putenv(pamh, env) != PAM_SUCCESS) {
        free(env);
        return PAM_BUF_ERR;
    }
    free(env);
    return PAM_SUCCESS;
}

/*
 * Record the session for s4uctl refresh (lib/s4u_session.h): the user,
 * the service, the cache, this process (it holds the PAM handle until
 * logout) and each delegated target's end time.  True if recorded; a
 * failure is logged and the login goes on, without refreshes.
 */
static bool
record_session(pam_handle_t *pamh, const char *user, const struct ids *ids,
               const struct s4u_outcome *out)
{
    struct s4u_session rec = {0};
    const void *service = NULL;
    char why[2 * S4U_NAME_MAX] = "";
    size_t i;
    int ret = 0;

    if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS ||
        service == NULL)
        return false;
    rec.user = (char *)user;
    rec.uid = ids->uid;
    rec.gid = ids->gid;
    rec.service = (char *)service;
    rec.ccache = out->ccache_name;
    rec.pid = getpid();
    if (s4u_proc_start(rec.pid, &rec.start) != 0)
        snprintf(why, sizeof(why), "cannot read /proc/self/stat");
    for (i = 0; why[0] == '\0' && ret == 0 && i < out->ntargets; i++) {
        if (out->targets[i].st.code == S4U_OK)
            ret = s4u_session_add_target(&rec, out->targets[i].target,
                                         out->targets[i].endtime);
    }
    if (why[0] == '\0' && ret == 0)
        ret = s4u_session_save(&rec, why, sizeof(why));
    else if (why[0] == '\0')
        snprintf(why, sizeof(why), "%s", strerror(ret));
    for (i = 0; i < rec.ntargets; i++)
        free(rec.targets[i].name);
    free(rec.targets);
    if (why[0] != '\0')
        s4u_log(pamh, LOG_WARNING,
                "cannot record the session of user=%s for s4uctl refresh: "
                "%s; its tickets will not be renewed",
                user, why);
    return why[0] == '\0';
}

/*
 * Hold this session's record while logout removes its cache and record, so
 * that an s4uctl refresh running now cannot write either after logout:
 * wait while a refresh holds it, as long as its helper may run (timeout=
 * and the grace s4u_run_helper allows), then go on anyway.  The lock's
 * descriptor (close it to unlock), or -1.
 */
static int
lock_record(pam_handle_t *pamh, const struct s4u_options *opts,
            const char *name)
{
    char id[S4U_SESSION_ID_LEN + 1], why[2 * S4U_NAME_MAX] = "";
    unsigned int wait_ms = (unsigned int)(opts->timeout + 10) * 1000;
    int fd = -1, ret;

    if (!s4u_session_id(name, id))
        return -1;
    ret = s4u_session_lock(id, wait_ms, &fd, why, sizeof(why));
    if (ret == EWOULDBLOCK)
        s4u_log(pamh, LOG_WARNING,
                "an s4uctl refresh of this session still runs after %u s; "
                "logging out anyway (it may leave a record that its next "
                "run removes)",
                wait_ms / 1000);
    else if (ret != 0 && ret != ENOENT)
        s4u_log(pamh, LOG_WARNING, "%s", why);
    return ret == 0 ? fd : -1;
}

/* Remove this session's record (logout); a failure is logged. */
static void
forget_session(pam_handle_t *pamh, const char *name)
{
    char why[2 * S4U_NAME_MAX] = "";

    if (s4u_session_forget(name, why, sizeof(why)) != 0)
        s4u_log(pamh, LOG_WARNING, "%s", why);
}

/* One line for the user through the application's conversation. */
static void
tell_user(pam_handle_t *pamh, const char *text)
{
    const struct pam_conv *conv = NULL;
    struct pam_message msg = {PAM_TEXT_INFO, text};
    const struct pam_message *msgs[1] = {&msg};
    struct pam_response *resp = NULL;

    if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS ||
        conv == NULL || conv->conv == NULL)
        return;
    if (conv->conv(1, msgs, &resp, conv->appdata_ptr) == PAM_SUCCESS &&
        resp != NULL) {
        free(resp[0].resp);
        free(resp);
    }
}

/* Is the refresh timer enabled (systemctl enable made its link)? */
static bool
refresh_enabled(void)
{
    return access(S4U_REFRESH_TIMER_LINK, F_OK) == 0;
}

/*
 * Tell the user when her delegated tickets expire (the earliest of them),
 * and whether s4uctl refresh will renew them; no_expiry_notice and the
 * application's PAM_SILENT silence it.
 * The text holds no name: nothing in it comes from the user or the KDC but
 * a time.
 */
static void
expiry_notice(pam_handle_t *pamh, const struct s4u_options *opts,
              const struct s4u_outcome *out, bool recorded, bool silent)
{
    int64_t first = 0;
    char when[64], text[256];
    struct tm tm;
    time_t t;
    size_t i;

    if (opts->no_expiry_notice || silent || out->stored == 0)
        return;
    for (i = 0; i < out->ntargets; i++) {
        if (out->targets[i].st.code == S4U_OK &&
            (first == 0 || out->targets[i].endtime < first))
            first = out->targets[i].endtime;
    }
    t = (time_t)first;
    if (first <= 0 || localtime_r(&t, &tm) == NULL ||
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M %Z", &tm) == 0)
        return;
    snprintf(text, sizeof(text),
             "Delegated Kerberos tickets (%zu service%s) expire at %s; %s",
             out->stored, out->stored == 1 ? "" : "s", when,
             recorded && refresh_enabled()
                 ? "they are renewed while this session lasts."
                 : "they are not renewed: log in again to get new ones.");
    tell_user(pamh, text);
}

/* The PAM code for a failure: an error only with fail_on_error. */
static int
failure_code(const struct s4u_options *opts, bool cred)
{
    if (!opts->fail_on_error)
        return PAM_IGNORE;
    return cred ? PAM_CRED_ERR : PAM_SESSION_ERR;
}

/* Run the helper for one login and publish the cache; returns a PAM code. */
static int
delegate(pam_handle_t *pamh, const struct s4u_options *opts, const char *user,
         const struct ids *ids, bool cred, bool silent)
{
    struct s4u_request req;
    struct s4u_outcome out = {0};
    enum s4u_policy_state state;
    char *text = NULL;
    size_t failed;
    int ret = failure_code(opts, cred);

    if (build_request(pamh, opts, user, ids, &req) != 0)
        return ret;
    if (opts->debug)
        s4u_log(pamh, LOG_DEBUG, "cache type %s for user=%s: %s", opts->ccache,
                user, s4u_ccache_rule_text(opts->ccache_rule));
    if (apply_policy(pamh, opts, user, ids, &req, &state) != 0 ||
        req.ntargets == 0) {
        if (state == S4U_POLICY_NONE)
            s4u_log(pamh, LOG_NOTICE,
                    "no targets= configured; nothing "
                    "delegated for user=%s",
                    user);
        goto cleanup;
    }
    if (s4u_request_format(&req, "delegate", &text) != 0) {
        s4u_log(pamh, LOG_ERR,
                "configuration error: a value contains a "
                "control character; nothing delegated");
        goto cleanup;
    }
    s4u_run_helper(opts->helper, text, req.timeout, &out);
    failed = log_outcome(pamh, opts, user, &out);
    if (out.ccache_name == NULL)
        goto cleanup;
    if (failed > 0 && opts->fail_on_error) {
        destroy_cache(pamh, opts, user, ids, out.ccache_name);
        goto cleanup;
    }
    ret = publish_cache(pamh, ids, out.ccache_name);
    if (ret != PAM_SUCCESS)
        destroy_cache(pamh, opts, user, ids, out.ccache_name);
    else
        expiry_notice(pamh, opts, &out, record_session(pamh, user, ids, &out),
                      silent);

cleanup:
    s4u_outcome_free(&out);
    s4u_request_free(&req);
    free(text);
    return ret;
}

/*
 * The service file Linux-PAM read our line from, by PAM_SERVICE, so the
 * options can tell whether Linux-PAM cut the line.  An application with a
 * directory of its own (pam_start_confdir) is not seen: then no line there
 * matches ours and the arguments count as whole.  0 or ENOMEM.
 */
static int
service_file(pam_handle_t *pamh, char **path_out)
{
    const void *service = NULL;

    *path_out = NULL;
    if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS ||
        service == NULL)
        return 0;
    return s4u_pam_service_path(service, path_out) == ENOMEM ? ENOMEM : 0;
}

/*
 * Load the options through a secure krb5 context of the module's own, so a
 * setuid caller's KRB5_CONFIG is ignored.  Without a readable krb5.conf the
 * defaults and the PAM arguments still apply.  0 or ENOMEM.
 */
static int
load_options(pam_handle_t *pamh, int argc, const char **argv,
             struct s4u_options *opts)
{
    krb5_context ctx = NULL;
    krb5_error_code kret;
    char *file = NULL;
    int ret;

    *opts = (struct s4u_options){0};
    if (service_file(pamh, &file) != 0)
        return ENOMEM;
    kret = krb5_init_secure_context(&ctx);
    if (kret != 0) {
        s4u_log(pamh, LOG_WARNING,
                "cannot read krb5.conf (%s); using the defaults and the "
                "PAM arguments",
                error_message(kret));
        ctx = NULL;
    }
    ret = s4u_options_load(ctx, opts, argc, argv, file, s4u_warn_pam, pamh);
    if (ctx != NULL)
        krb5_free_context(ctx);
    free(file);
    return ret;
}

/*
 * Everything before the helper runs: options, user, ids, root; and, when
 * tickets are to be fetched, that the account is not a local one (logout
 * removes what login stored, whatever the options say by then).
 */
static int
prepare(pam_handle_t *pamh, int argc, const char **argv, bool fetching,
        struct s4u_options *opts, const char **user, struct ids *ids)
{
    if (load_options(pamh, argc, argv, opts) != 0)
        return PAM_BUF_ERR;
    *user = checked_user(pamh);
    if (*user == NULL || !resolve_ids(pamh, opts, *user, ids) ||
        (fetching && !domain_account(pamh, opts, *user)))
        return PAM_IGNORE;
    if (geteuid() != 0) {
        s4u_log(pamh, LOG_ERR,
                "pam_s4u must run as root (the application "
                "runs as uid %lu); nothing delegated",
                (unsigned long)geteuid());
        return PAM_IGNORE;
    }
    return PAM_SUCCESS;
}

/*
 * Login (session open or setcred ESTABLISH).  A second call for the same
 * PAM handle, as sshd makes with setcred and then open_session, reuses the
 * first call's cache.
 */
int
s4u_pam_delegate(pam_handle_t *pamh, int argc, const char **argv, bool cred,
                 bool silent)
{
    struct s4u_options opts;
    const void *done = NULL;
    const char *user = NULL;
    struct ids ids;
    int ret;

    ret = prepare(pamh, argc, argv, true, &opts, &user, &ids);
    if (ret == PAM_SUCCESS) {
        if (pam_get_data(pamh, DATA_CCACHE, &done) == PAM_SUCCESS &&
            done != NULL)
            ret = PAM_SUCCESS;
        else
            ret = delegate(pamh, &opts, user, &ids, cred, silent);
    }
    if (opts.debug)
        s4u_log(pamh, LOG_DEBUG, "%s for user=%s returns %s",
                cred ? "setcred" : "open_session", user != NULL ? user : "?",
                pam_strerror(pamh, ret));
    s4u_options_free(&opts);
    return ret;
}

/* The cache this handle created, or NULL. */
static const char *
own_cache(pam_handle_t *pamh)
{
    const void *name = NULL;

    if (pam_get_data(pamh, DATA_CCACHE, &name) != PAM_SUCCESS)
        return NULL;
    return name;
}

/*
 * Logout (session close or setcred DELETE): remove the cache this handle
 * created, and only that one, as pam_krb5 does.  A cache KRB5CCNAME names
 * belongs to the session that made it, which removes it at its own logout.
 */
int
s4u_pam_destroy(pam_handle_t *pamh, int argc, const char **argv, bool cred)
{
    struct s4u_options opts;
    const void *saved = NULL;
    const char *user = NULL, *name, *env;
    struct ids ids;
    char *copy = NULL;
    int ret, lock;

    (void)cred;
    ret = prepare(pamh, argc, argv, false, &opts, &user, &ids);
    name = ret == PAM_SUCCESS ? own_cache(pamh) : NULL;
    if (name == NULL) {
        ret = PAM_IGNORE;
        goto cleanup;
    }
    if (pam_get_data(pamh, DATA_IDS, &saved) == PAM_SUCCESS && saved != NULL)
        ids = *(const struct ids *)saved;
    copy = strdup(name);
    if (copy == NULL) {
        ret = PAM_BUF_ERR;
        goto cleanup;
    }
    lock = lock_record(pamh, &opts, copy);
    destroy_cache(pamh, &opts, user, &ids, copy);
    forget_session(pamh, copy);
    if (lock >= 0)
        close(lock);
    env = pam_getenv(pamh, "KRB5CCNAME");
    ret = env != NULL && strcmp(env, copy) == 0 ? pam_putenv(pamh, "KRB5CCNAME")
                                                : PAM_SUCCESS;
    if (pam_set_data(pamh, DATA_CCACHE, NULL, NULL) != PAM_SUCCESS)
        ret = PAM_BUF_ERR;

cleanup:
    free(copy);
    s4u_options_free(&opts);
    return ret;
}

/*
 * The cache a refresh rewrites: this handle's own, else the one KRB5CCNAME
 * names if pam_s4u made it in this user's collection (a screen locker's
 * handle, say, inside her session).  NULL when the session has none.
 */
static const char *
session_cache(pam_handle_t *pamh, const char *collection, uid_t uid)
{
    const char *own = own_cache(pamh), *env;

    if (own != NULL)
        return own;
    env = pam_getenv(pamh, "KRB5CCNAME");
    return env != NULL && s4u_cache_in_collection(env, collection, uid) ? env
                                                                        : NULL;
}

/*
 * After a setcred refresh, give the session's record (if the cache has
 * one, and it is this user's) the new end times, so that s4uctl refresh
 * does not renew the tickets again before they are due.  Under the
 * record's lock, as logout and s4uctl refresh take it.
 */
static void
renew_record(pam_handle_t *pamh, const struct s4u_options *opts, uid_t uid,
             const struct s4u_outcome *out)
{
    char id[S4U_SESSION_ID_LEN + 1], why[2 * S4U_NAME_MAX] = "";
    unsigned int wait_ms = (unsigned int)(opts->timeout + 10) * 1000;
    struct s4u_session s;
    int lock = -1, ret;

    if (!s4u_session_id(out->ccache_name, id))
        return;
    ret = s4u_session_lock(id, wait_ms, &lock, why, sizeof(why));
    if (ret == 0)
        ret = s4u_session_load(id, &s, why, sizeof(why));
    if (ret == 0) {
        if (s.uid != uid)
            ret = ENOENT;
        else if ((ret = s4u_session_retarget(&s, out)) != 0)
            snprintf(why, sizeof(why), "%s", strerror(ret));
        else
            ret = s4u_session_save(&s, why, sizeof(why));
        s4u_session_free(&s);
    }
    if (lock >= 0)
        close(lock);
    if (ret != 0 && ret != ENOENT)
        s4u_log(pamh, LOG_WARNING,
                "cannot give the session's record the refreshed end times: "
                "%s; s4uctl refresh may renew its tickets early",
                ret == EWOULDBLOCK ? "an s4uctl refresh holds it" : why);
}

/* Have the helper rewrite the cache req->ccache names; returns a PAM code. */
static int
run_refresh(pam_handle_t *pamh, const struct s4u_options *opts,
            const char *user, const struct s4u_request *req)
{
    struct s4u_outcome out = {0};
    char *text = NULL;
    size_t failed;
    int ret = failure_code(opts, true);

    if (s4u_request_format(req, "refresh", &text) != 0) {
        s4u_log(pamh, LOG_ERR,
                "configuration error: a value contains a "
                "control character; nothing refreshed");
        return ret;
    }
    s4u_run_helper(opts->helper, text, req->timeout, &out);
    failed = log_outcome(pamh, opts, user, &out);
    if (out.ccache_name != NULL)
        renew_record(pamh, opts, req->uid, &out);
    if (out.ccache_name != NULL && (failed == 0 || !opts->fail_on_error))
        ret = PAM_SUCCESS;
    s4u_outcome_free(&out);
    free(text);
    return ret;
}

/*
 * Refresh the session's cache in place (session_cache), so programs that
 * already hold its name keep working.  With no cache of ours in the
 * session there is nothing to renew, and creating one would leave a cache
 * no logout removes: do nothing and return PAM_SUCCESS, as pam_krb5 does.
 */
static int
refresh(pam_handle_t *pamh, const struct s4u_options *opts, const char *user,
        const struct ids *ids)
{
    struct s4u_request req;
    enum s4u_policy_state state;
    const char *name;
    char *copy;
    int ret = failure_code(opts, true);

    if (build_request(pamh, opts, user, ids, &req) != 0)
        return ret;
    if (apply_policy(pamh, opts, user, ids, &req, &state) != 0) {
        s4u_request_free(&req);
        return ret;
    }
    name = session_cache(pamh, req.ccache, ids->uid);
    if (name == NULL) {
        if (opts->debug)
            s4u_log(pamh, LOG_DEBUG,
                    "no pam_s4u cache in this session for user=%s; "
                    "nothing to refresh",
                    user);
        ret = PAM_SUCCESS;
    } else if (req.ntargets == 0) {
        s4u_log(pamh, LOG_NOTICE,
                "no target configured or granted; nothing refreshed for "
                "user=%s",
                user);
    } else if ((copy = strdup(name)) == NULL) {
        ret = PAM_BUF_ERR;
    } else {
        free(req.ccache);
        req.ccache = copy;
        ret = run_refresh(pamh, opts, user, &req);
    }
    s4u_request_free(&req);
    return ret;
}

/* setcred REINITIALIZE or REFRESH: fresh tickets in the session's cache. */
int
s4u_pam_refresh(pam_handle_t *pamh, int argc, const char **argv)
{
    struct s4u_options opts;
    const char *user = NULL;
    struct ids ids;
    int ret;

    ret = prepare(pamh, argc, argv, true, &opts, &user, &ids);
    if (ret == PAM_SUCCESS)
        ret = refresh(pamh, &opts, user, &ids);
    if (opts.debug)
        s4u_log(pamh, LOG_DEBUG, "setcred refresh for user=%s returns %s",
                user != NULL ? user : "?", pam_strerror(pamh, ret));
    s4u_options_free(&opts);
    return ret;
}
