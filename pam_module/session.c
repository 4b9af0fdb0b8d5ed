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
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "lib/s4u_pamfile.h"
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
         const struct ids *ids, bool cred)
{
    struct s4u_request req;
    struct s4u_outcome out = {0};
    char *text = NULL;
    size_t failed;
    int ret = failure_code(opts, cred);

    if (build_request(pamh, opts, user, ids, &req) != 0)
        return ret;
    if (req.ntargets == 0) {
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
s4u_pam_delegate(pam_handle_t *pamh, int argc, const char **argv, bool cred)
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
            ret = delegate(pamh, &opts, user, &ids, cred);
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
    int ret;

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
    destroy_cache(pamh, &opts, user, &ids, copy);
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
 * True if name is a cache pam_s4u makes in collection, spelled as
 * s4u_cache.c spells them: "<collection>:s4u_<hex>" in a keyring,
 * "FILE:<path>_s4u_<hex>" for a file collection.
 */
static bool
in_collection(const char *name, const char *collection)
{
    const char *rest = name;
    size_t len = strlen(collection);
    char sep = strncmp(collection, "KEYRING:", 8) == 0 ? ':' : '_';

    if (!s4u_cache_name_ours(name))
        return false;
    if (collection[0] == '/' && strncmp(rest, "FILE:", 5) == 0)
        rest += 5;
    return strncmp(rest, collection, len) == 0 && rest[len] == sep &&
           strlen(rest + len + 1) ==
               sizeof(S4U_CACHE_MARKER) - 1 + S4U_CACHE_MARKER_HEX;
}

/*
 * The cache a refresh rewrites: this handle's own, else the one KRB5CCNAME
 * names if pam_s4u made it in this user's collection (a screen locker's
 * handle, say, inside her session).  NULL when the session has none.
 */
static const char *
session_cache(pam_handle_t *pamh, const char *collection)
{
    const char *own = own_cache(pamh), *env;

    if (own != NULL)
        return own;
    env = pam_getenv(pamh, "KRB5CCNAME");
    return env != NULL && in_collection(env, collection) ? env : NULL;
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
    const char *name;
    char *copy;
    int ret = failure_code(opts, true);

    if (build_request(pamh, opts, user, ids, &req) != 0)
        return ret;
    name = session_cache(pamh, req.ccache);
    if (name == NULL) {
        if (opts->debug)
            s4u_log(pamh, LOG_DEBUG,
                    "no pam_s4u cache in this session for user=%s; "
                    "nothing to refresh",
                    user);
        ret = PAM_SUCCESS;
    } else if (req.ntargets == 0) {
        s4u_log(pamh, LOG_NOTICE,
                "no targets= configured; nothing refreshed for user=%s", user);
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
