/*
 * test_session.c: the module's decisions, through its PAM entry points,
 * against the fake libpam and the scripted helper (fake.h): which helper
 * requests each call makes, what it returns to PAM, what it publishes in
 * the PAM environment and logs, and what it refuses before any request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_modules.h>

#include "tests/pam_module/fake.h"
#include "tests/tap.h"

#define HELPER "/fake/pam_s4u_helper"
#define COLLECTION "KEYRING:persistent:1001"
#define CC1 COLLECTION ":s4u_0123456789abcdef"
#define CC2 COLLECTION ":s4u_fedcba9876543210"
#define T1 "host/c.example.test"
#define T2 "cifs/c.example.test"

static const char *std_args[] = {"helper=" HELPER, "targets=" T1 "," T2};
static const char *fail_args[] = {"helper=" HELPER, "targets=" T1 "," T2,
                                  "fail_on_error"};
static const char *debug_args[] = {"helper=" HELPER, "targets=" T1 "," T2,
                                   "debug"};
static const char *no_targets_args[] = {"helper=" HELPER};
static const char *min_uid_args[] = {"helper=" HELPER, "targets=" T1,
                                     "minimum_uid=2000"};

#define ARGS(a) (int)(sizeof(a) / sizeof((a)[0])), (a)

/* The helper delegated both targets into cache cc. */
static void
answer_ok(const char *cc)
{
    char text[512];

    snprintf(text, sizeof(text),
             "target\t" T1 "\tOK\t0\t1700000000\t\n"
             "target\t" T2 "\tOK\t0\t1700000000\t\n"
             "cache\t%s\t2\nend\n",
             cc);
    fake_helper_answer(text);
}

/* The helper delegated T1 into cache cc; the KDC refused T2. */
static void
answer_partial(const char *cc)
{
    char text[512];

    snprintf(text, sizeof(text),
             "target\t" T1 "\tOK\t0\t1700000000\t\n"
             "target\t" T2 "\tTARGET_NOT_ALLOWED\t-1765328372\t0\tKDC "
             "can't fulfill requested option\n"
             "cache\t%s\t1\nend\n",
             cc);
    fake_helper_answer(text);
}

/* The chain stopped before any ticket. */
static void
answer_fatal(void)
{
    fake_helper_answer("fatal\tKDC_UNREACHABLE\t-1765328228\tCannot contact "
                       "any KDC\nend\n");
}

/* A destroy that worked. */
static void
answer_done(void)
{
    fake_helper_answer("end\n");
}

/* A fresh handle for user, with no calls or log lines yet. */
static pam_handle_t *
start(const char *user)
{
    fake_helper_reset();
    fake_log_clear();
    fake_euid = 0;
    return fake_pam_start(user);
}

/* True if the log holds text. */
static int
logged(const char *text)
{
    return strstr(fake_log(), text) != NULL;
}

/* Call i asked for mode on cache ccache. */
static int
called(size_t i, const char *mode, const char *ccache)
{
    const struct fake_call *c = fake_helper_call(i);

    return c != NULL && strcmp(c->mode, mode) == 0 &&
           strcmp(c->ccache, ccache) == 0;
}

/* setcred ESTABLISH delegates once; the session then reuses the cache. */
static void
test_establish_then_open(void)
{
    pam_handle_t *pamh = start("alice");
    const struct fake_call *c;

    answer_ok(CC1);
    is_long(pam_sm_setcred(pamh, PAM_ESTABLISH_CRED, ARGS(std_args)),
            PAM_SUCCESS, "setcred ESTABLISH succeeds");
    is_long(fake_helper_calls(), 1, "ESTABLISH runs the helper once");
    c = fake_helper_call(0);
    ok(c != NULL && strcmp(c->mode, "delegate") == 0 &&
           strcmp(c->ccache, COLLECTION) == 0 &&
           strcmp(c->user, "alice") == 0 && c->uid == 1001 && c->gid == 1001 &&
           c->ntargets == 2 && strcmp(c->path, HELPER) == 0,
       "it asks to delegate both targets for alice (1001:1001) into her "
       "collection");
    is_str(pam_getenv(pamh, "KRB5CCNAME"), CC1, "KRB5CCNAME names the cache");
    ok(logged("6 delegated 2 of 2 targets for user=alice into " CC1),
       "the summary is logged at LOG_INFO");
    is_long(pam_sm_open_session(pamh, 0, ARGS(std_args)), PAM_SUCCESS,
            "open_session in the same handle succeeds");
    is_long(fake_helper_calls(), 1, "and reuses the cache: no second request");
    is_long(pam_sm_open_session(pamh, 0, ARGS(std_args)), PAM_SUCCESS,
            "a second open_session succeeds");
    is_long(fake_helper_calls(), 1, "and reuses the cache as well");
    fake_pam_end(pamh);
}

/* open then close: close destroys exactly the cache open made. */
static void
test_open_close(void)
{
    pam_handle_t *pamh = start("alice");

    answer_ok(CC1);
    answer_done();
    is_long(pam_sm_open_session(pamh, 0, ARGS(std_args)), PAM_SUCCESS,
            "open_session succeeds");
    is_str(pam_getenv(pamh, "KRB5CCNAME"), CC1, "KRB5CCNAME names the cache");
    is_long(pam_sm_close_session(pamh, 0, ARGS(std_args)), PAM_SUCCESS,
            "close_session succeeds");
    ok(fake_helper_calls() == 2 && called(1, "destroy", CC1),
       "close asks to destroy the session's cache");
    ok(fake_helper_call(1)->uid == 1001 && fake_helper_call(1)->gid == 1001,
       "as alice");
    ok(pam_getenv(pamh, "KRB5CCNAME") == NULL, "KRB5CCNAME is unset");
    is_long(pam_sm_close_session(pamh, 0, ARGS(std_args)), PAM_IGNORE,
            "a second close has nothing to do");
    is_long(fake_helper_calls(), 2, "and runs no helper");
    fake_pam_end(pamh);
}

/* setcred DELETE removes the cache like close does. */
static void
test_delete(void)
{
    pam_handle_t *pamh = start("alice");

    answer_ok(CC1);
    answer_done();
    pam_sm_setcred(pamh, PAM_ESTABLISH_CRED, ARGS(std_args));
    is_long(pam_sm_setcred(pamh, PAM_DELETE_CRED, ARGS(std_args)), PAM_SUCCESS,
            "setcred DELETE succeeds");
    ok(fake_helper_calls() == 2 && called(1, "destroy", CC1),
       "DELETE asks to destroy the cache ESTABLISH made");
    ok(pam_getenv(pamh, "KRB5CCNAME") == NULL, "KRB5CCNAME is unset");
    fake_pam_end(pamh);
}

/* A handle for alice that holds no cache, with KRB5CCNAME=env. */
static pam_handle_t *
start_env(const char *env)
{
    pam_handle_t *pamh = start("alice");
    char var[256];

    snprintf(var, sizeof(var), "KRB5CCNAME=%s", env);
    if (pam_putenv(pamh, var) != PAM_SUCCESS)
        abort();
    return pamh;
}

/* A handle that made no cache has nothing to close or delete. */
static void
test_close_without_cache(void)
{
    pam_handle_t *pamh = start("alice");

    is_long(pam_sm_close_session(pamh, 0, ARGS(std_args)), PAM_IGNORE,
            "close without a cache of its own returns PAM_IGNORE");
    is_long(pam_sm_setcred(pamh, PAM_DELETE_CRED, ARGS(std_args)), PAM_IGNORE,
            "so does setcred DELETE");
    is_long(fake_helper_calls(), 0, "neither runs the helper");
    fake_pam_end(pamh);

    pamh = start_env(CC1);
    ok(pam_sm_close_session(pamh, 0, ARGS(std_args)) == PAM_IGNORE &&
           pam_sm_setcred(pamh, PAM_DELETE_CRED, ARGS(std_args)) == PAM_IGNORE,
       "with KRB5CCNAME naming another session's cache, close and DELETE "
       "return PAM_IGNORE");
    is_long(fake_helper_calls(), 0, "and leave that cache alone");
    is_str(pam_getenv(pamh, "KRB5CCNAME"), CC1, "KRB5CCNAME is left as it was");
    fake_pam_end(pamh);
}

/* REINITIALIZE and REFRESH rewrite the handle's own cache in place. */
static void
test_refresh_own(int flag, const char *name)
{
    pam_handle_t *pamh = start("alice");

    answer_ok(CC1);
    answer_ok(CC1);
    answer_done();
    pam_sm_setcred(pamh, PAM_ESTABLISH_CRED, ARGS(std_args));
    ok(pam_sm_setcred(pamh, flag, ARGS(std_args)) == PAM_SUCCESS,
       "setcred %s succeeds", name);
    ok(fake_helper_calls() == 2 && called(1, "refresh", CC1) &&
           fake_helper_call(1)->uid == 1001 &&
           fake_helper_call(1)->ntargets == 2,
       "%s asks the helper to refresh the handle's cache, as alice", name);
    is_str(pam_getenv(pamh, "KRB5CCNAME"), CC1, "KRB5CCNAME is unchanged");
    is_long(pam_sm_close_session(pamh, 0, ARGS(std_args)), PAM_SUCCESS,
            "close still removes the cache");
    ok(fake_helper_calls() == 3 && called(2, "destroy", CC1), "the same cache");
    fake_pam_end(pamh);
}

/* With no cache of ours in the session, a refresh does nothing. */
static void
test_refresh_nothing(void)
{
    static const char *const foreign[] = {
        COLLECTION ":own",                              /* her own kinit */
        COLLECTION,                                     /* the collection */
        "KEYRING:persistent:1002:s4u_0123456789abcdef", /* bob's */
        "KEYRING:persistent:10011:s4u_0123456789abcdef",
        "KEYRING:user:1001:s4u_0123456789abcdef", /* another collection */
        COLLECTION ":s4u_0123456789ABCDEF",
        COLLECTION ":s4u_0123456789abcdef0",
        "FILE:/tmp/krb5cc_1001_s4u_0123456789abcdef",
    };
    pam_handle_t *pamh;
    size_t i;

    pamh = start("alice");
    is_long(pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(std_args)), PAM_SUCCESS,
            "REFRESH without a cache returns PAM_SUCCESS");
    is_long(fake_helper_calls(), 0, "and runs no helper");
    ok(pam_getenv(pamh, "KRB5CCNAME") == NULL, "publishes nothing");
    is_long(fake_pam_data_count(pamh), 0, "and keeps nothing for close");
    fake_pam_end(pamh);
    pamh = start("alice");
    is_long(pam_sm_setcred(pamh, PAM_REINITIALIZE_CRED, ARGS(std_args)),
            PAM_SUCCESS, "REINITIALIZE without a cache returns PAM_SUCCESS");
    is_long(fake_helper_calls(), 0, "and runs no helper");
    fake_pam_end(pamh);
    for (i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
        pamh = start_env(foreign[i]);
        ok(pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(std_args)) ==
                   PAM_SUCCESS &&
               fake_helper_calls() == 0,
           "KRB5CCNAME=%s is not refreshed", foreign[i]);
        is_str(pam_getenv(pamh, "KRB5CCNAME"), foreign[i], "nor changed");
        fake_pam_end(pamh);
    }
}

/* KRB5CCNAME naming our cache in her collection: refreshed, not adopted. */
static void
test_refresh_session_cache(void)
{
    static const char *file_args[] = {"helper=" HELPER, "targets=" T1,
                                      "ccache=FILE:/tmp/krb5cc_%{uid}"};
    static const char *path_args[] = {"helper=" HELPER, "targets=" T1,
                                      "ccache=/tmp/krb5cc_%{uid}"};
    static const char file_cc[] = "FILE:/tmp/krb5cc_1001_s4u_0123456789abcdef";
    pam_handle_t *pamh;
    int ret;

    pamh = start_env(CC1);
    answer_ok(CC1);
    ret = pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(std_args));
    is_long(ret, PAM_SUCCESS, "REFRESH of the session's cache succeeds");
    ok(fake_helper_calls() == 1 && called(0, "refresh", CC1),
       "it asks the helper to refresh the cache KRB5CCNAME names");
    is_str(pam_getenv(pamh, "KRB5CCNAME"), CC1, "KRB5CCNAME is unchanged");
    is_long(fake_pam_data_count(pamh), 0,
            "and the handle keeps nothing for close");
    ok(pam_sm_setcred(pamh, PAM_DELETE_CRED, ARGS(std_args)) == PAM_IGNORE &&
           pam_sm_close_session(pamh, 0, ARGS(std_args)) == PAM_IGNORE &&
           fake_helper_calls() == 1,
       "DELETE and close in that handle leave the session's cache alone");
    fake_pam_end(pamh);

    pamh = start_env(file_cc);
    answer_ok(file_cc);
    ret = pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(file_args));
    ok(ret == PAM_SUCCESS && called(0, "refresh", file_cc),
       "a FILE: collection's cache is refreshed");
    fake_pam_end(pamh);
    pamh = start_env(file_cc);
    answer_ok(file_cc);
    ret = pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(path_args));
    ok(ret == PAM_SUCCESS && called(0, "refresh", file_cc),
       "so is a plain path collection's");
    fake_pam_end(pamh);
    pamh = start_env(file_cc);
    ret = pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(std_args));
    ok(ret == PAM_SUCCESS && fake_helper_calls() == 0,
       "but not when the configured collection is another");
    fake_pam_end(pamh);
}

/* A failed refresh: PAM_IGNORE, or PAM_CRED_ERR with fail_on_error. */
static void
test_refresh_failure(void)
{
    pam_handle_t *pamh;
    int ret;

    pamh = start_env(CC1);
    answer_fatal();
    ret = pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(std_args));
    is_long(ret, PAM_IGNORE, "a failed refresh returns PAM_IGNORE");
    ok(logged("delegation failed for user=alice"), "and is logged");
    fake_pam_end(pamh);
    pamh = start_env(CC1);
    answer_fatal();
    ret = pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(fail_args));
    is_long(ret, PAM_CRED_ERR, "with fail_on_error: PAM_CRED_ERR");
    fake_pam_end(pamh);
    pamh = start_env(CC1);
    answer_partial(CC1);
    ret = pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(std_args));
    is_long(ret, PAM_SUCCESS, "a partial refresh returns PAM_SUCCESS");
    fake_pam_end(pamh);
    pamh = start_env(CC1);
    answer_partial(CC1);
    ret = pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(fail_args));
    is_long(ret, PAM_CRED_ERR, "or PAM_CRED_ERR with fail_on_error");
    is_long(fake_helper_calls(), 1, "the session's cache is not destroyed");
    fake_pam_end(pamh);
    pamh = start_env(CC1);
    ret = pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(no_targets_args));
    ok(ret == PAM_IGNORE && fake_helper_calls() == 0 &&
           logged("no target configured or granted; nothing refreshed"),
       "without targets= nothing is refreshed");
    fake_pam_end(pamh);
}

/* A partial delegation: kept by default, undone with fail_on_error. */
static void
test_partial(void)
{
    pam_handle_t *pamh = start("alice");

    answer_partial(CC1);
    is_long(pam_sm_open_session(pamh, 0, ARGS(std_args)), PAM_SUCCESS,
            "a partial delegation keeps the login going");
    is_str(pam_getenv(pamh, "KRB5CCNAME"), CC1, "and publishes what it got");
    ok(logged("4 delegation to " T2 " failed for user=alice"),
       "the refused target is logged as a warning, with its cause");
    ok(logged("[TARGET_NOT_ALLOWED: KDC can't fulfill requested option]"),
       "the log carries the catalog id and the library's words");
    ok(logged("delegated 1 of 2 targets for user=alice"),
       "the summary says so");
    fake_pam_end(pamh);

    pamh = start("alice");
    answer_partial(CC1);
    answer_done();
    is_long(pam_sm_open_session(pamh, 0, ARGS(fail_args)), PAM_SESSION_ERR,
            "with fail_on_error open_session returns PAM_SESSION_ERR");
    ok(fake_helper_calls() == 2 && called(1, "destroy", CC1),
       "and the partial cache is destroyed");
    ok(pam_getenv(pamh, "KRB5CCNAME") == NULL, "nothing is published");
    is_long(fake_pam_data_count(pamh), 0, "nor kept for close");
    fake_pam_end(pamh);

    pamh = start("alice");
    answer_partial(CC1);
    answer_done();
    is_long(pam_sm_setcred(pamh, PAM_ESTABLISH_CRED, ARGS(fail_args)),
            PAM_CRED_ERR, "setcred with fail_on_error returns PAM_CRED_ERR");
    fake_pam_end(pamh);
}

/* A failed delegation: PAM_IGNORE by default, an error with fail_on_error. */
static void
test_fatal(void)
{
    pam_handle_t *pamh = start("alice");

    answer_fatal();
    is_long(pam_sm_open_session(pamh, 0, ARGS(std_args)), PAM_IGNORE,
            "a failed delegation returns PAM_IGNORE");
    ok(pam_getenv(pamh, "KRB5CCNAME") == NULL, "and publishes nothing");
    ok(logged("3 delegation failed for user=alice: no KDC of the realm "
              "answered [KDC_UNREACHABLE: Cannot contact any KDC]"),
       "the failure is logged at LOG_ERR with its cause");
    fake_pam_end(pamh);

    pamh = start("alice");
    answer_fatal();
    is_long(pam_sm_open_session(pamh, 0, ARGS(fail_args)), PAM_SESSION_ERR,
            "with fail_on_error: PAM_SESSION_ERR");
    answer_fatal();
    is_long(pam_sm_setcred(pamh, PAM_ESTABLISH_CRED, ARGS(fail_args)),
            PAM_CRED_ERR, "and PAM_CRED_ERR from setcred");
    is_long(fake_helper_calls(), 2, "nothing to destroy after a failure");
    fake_pam_end(pamh);
}

/* Users the module refuses before it builds any request. */
static void
test_refusals(void)
{
    static const struct {
        const char *user, *log;
    } cases[] = {
        {"root", "uid 0 is below minimum_uid=1000"},
        {"daemon1", "uid 999 is below minimum_uid=1000"},
        {"nobody-here", "user=nobody-here is not a local account"},
        {"alice@EVIL_TEST", "refusing to delegate for this login: the "
                            "domain after '@' is not a DNS domain name"},
        {"host/alice", "refusing to delegate for this login: the user name "
                       "names an instance"},
        {"-alice", "starts with '-' or '.'"},
        {"al ice", "contains a separator or control character"},
        {"alice\n", "contains a separator or control character"},
        {"al\xff"
         "ce",
         "is not valid UTF-8"},
        {"", "the user name is empty"},
        {NULL, "no user name from the application"},
    };
    pam_handle_t *pamh;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pamh = start(cases[i].user);
        ok(pam_sm_open_session(pamh, 0, ARGS(std_args)) == PAM_IGNORE &&
               pam_sm_setcred(pamh, PAM_ESTABLISH_CRED, ARGS(std_args)) ==
                   PAM_IGNORE &&
               pam_sm_setcred(pamh, PAM_REFRESH_CRED, ARGS(std_args)) ==
                   PAM_IGNORE &&
               pam_sm_close_session(pamh, 0, ARGS(std_args)) == PAM_IGNORE &&
               fake_helper_calls() == 0 && logged(cases[i].log),
           "refused without a request, logging why: %s", cases[i].log);
        fake_pam_end(pamh);
    }

    pamh = start("alice");
    ok(pam_sm_open_session(pamh, 0, ARGS(min_uid_args)) == PAM_IGNORE &&
           fake_helper_calls() == 0 &&
           logged("uid 1001 is below minimum_uid=2000"),
       "minimum_uid= is honoured");
    fake_pam_end(pamh);

    pamh = start("alice");
    fake_euid = 1001;
    ok(pam_sm_open_session(pamh, 0, ARGS(std_args)) == PAM_IGNORE &&
           fake_helper_calls() == 0 &&
           logged("pam_s4u must run as root (the application runs as uid "
                  "1001)"),
       "an application not running as root gets PAM_IGNORE");
    fake_pam_end(pamh);
}

/*
 * ccache=KEYRING:session:...: the session keyring the application inherited
 * is the invoking user's under su or sudo; no request is made, and the log
 * says what to use instead.
 */
static void
test_session_keyring(void)
{
    static const char *args[] = {"helper=" HELPER, "targets=" T1,
                                 "ccache=KEYRING:session:%{uid}"};
    pam_handle_t *pamh = start("alice");

    ok(pam_sm_open_session(pamh, 0, ARGS(args)) == PAM_IGNORE &&
           pam_sm_setcred(pamh, PAM_ESTABLISH_CRED, ARGS(args)) == PAM_IGNORE &&
           fake_helper_calls() == 0,
       "ccache=KEYRING:session: runs no helper");
    ok(pam_getenv(pamh, "KRB5CCNAME") == NULL, "and publishes no cache");
    ok(logged("configuration error: ccache= names the session keyring") &&
           logged("use ccache=KEYRING:persistent:%{uid}; nothing delegated"),
       "the log says why and what to use");
    fake_pam_end(pamh);
}

/* Without targets= there is nothing to ask for. */
static void
test_no_targets(void)
{
    pam_handle_t *pamh = start("alice");

    is_long(pam_sm_open_session(pamh, 0, ARGS(no_targets_args)), PAM_IGNORE,
            "no targets: open_session returns PAM_IGNORE");
    is_long(pam_sm_setcred(pamh, PAM_ESTABLISH_CRED, ARGS(no_targets_args)),
            PAM_IGNORE, "and so does setcred");
    is_long(fake_helper_calls(), 0, "without running the helper");
    ok(logged("no targets= configured; nothing delegated for user=alice"),
       "the log says targets= is missing");
    fake_pam_end(pamh);
}

/* auth decides nothing; debug logs each call's result. */
static void
test_auth_and_debug(void)
{
    pam_handle_t *pamh = start("alice");

    is_long(pam_sm_authenticate(pamh, 0, ARGS(std_args)), PAM_IGNORE,
            "pam_sm_authenticate returns PAM_IGNORE");
    is_long(fake_helper_calls(), 0, "and runs no helper");
    answer_ok(CC1);
    pam_sm_open_session(pamh, 0, ARGS(debug_args));
    ok(logged("7 open_session for user=alice returns"),
       "debug logs the result of open_session");
    ok(logged("7 delegated " T1 " for user=alice"),
       "and each delegated target");
    fake_pam_end(pamh);
}

int
main(void)
{
    fake_passwd_add("alice", 1001, 1001);
    fake_passwd_add("root", 0, 0);
    fake_passwd_add("daemon1", 999, 999);
    fake_passwd_add("alice@EVIL.TEST", 1001, 1001);
    fake_passwd_add("host/alice", 1001, 1001);
    fake_passwd_add("-alice", 1001, 1001);
    fake_passwd_add("al ice", 1001, 1001);
    test_establish_then_open();
    test_open_close();
    test_delete();
    test_close_without_cache();
    test_refresh_own(PAM_REFRESH_CRED, "REFRESH");
    test_refresh_own(PAM_REINITIALIZE_CRED, "REINITIALIZE");
    test_refresh_nothing();
    test_refresh_session_cache();
    test_refresh_failure();
    test_partial();
    test_fatal();
    test_refusals();
    test_session_keyring();
    test_no_targets();
    test_auth_and_debug();
    fake_helper_reset();
    fake_passwd_clear();
    return tap_done();
}
