/*
 * s4u_helper.c: pam_s4u_helper, the privileged part of pam-s4u.
 *
 * pam_s4u.so runs this program with an empty environment and a request on
 * standard input (see s4u_wire.c), and reads the outcome from standard
 * output.  Keeping the Kerberos work in a separate process means:
 *   - the host's keys and TGT never enter the PAM application's memory;
 *   - no environment of the invoking user reaches Kerberos (and the krb5
 *     context is a secure one as well);
 *   - the module can bound the whole exchange with timeout= and kill us.
 *
 * Order of work: make every id root's; read and check the request; fetch
 * the tickets as root; destroy the host's caches; block signals and tell the
 * module the new cache's name; switch to the user for good; write her cache;
 * answer, and if nobody reads the answer (the login was killed meanwhile),
 * remove that cache again.
 * Modes: "delegate" writes a new cache in the collection ccache= names,
 * "refresh" rewrites the existing cache of ours ccache= names, in place,
 * and "destroy" removes one.  Only caches named by our marker are ever
 * refreshed or destroyed.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gss_helper/s4u_engine.h"

/* The answer written from the SIGALRM handler, composed in advance. */
static char timeout_reply[160];
static size_t timeout_reply_len;

/* Write all of buf to fd. */
static int
write_all(int fd, const char *buf, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Out of time: answer TIMEOUT and leave at once (async-signal-safe). */
static void
on_alarm(int sig)
{
    (void)sig;
    (void)write_all(STDOUT_FILENO, timeout_reply, timeout_reply_len);
    _exit(0);
}

/* Bound all KDC traffic by the request's timeout. */
static void
arm_timeout(unsigned int seconds)
{
    struct sigaction sa;
    int n;

    n = snprintf(timeout_reply, sizeof(timeout_reply),
                 "fatal\tTIMEOUT\t0\tno answer from the KDC within %u "
                 "seconds\nend\n",
                 seconds);
    timeout_reply_len = n > 0 ? (size_t)n : 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm(seconds > 0 ? seconds : 1);
}

/*
 * Make every uid and gid root's, and drop the supplementary groups.  Run
 * from a setuid program (su), we start with the caller's real uid, which
 * lets the caller signal us (stop us, or fake our timeout) while we hold
 * the host's keys; with all ids 0 only root may.
 */
static int
become_root(struct s4u_status *st)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;

    if (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 ||
        setresuid(0, 0, 0) != 0) {
        s4u_status_set(st, S4U_ERR_HELPER, errno,
                       "pam_s4u_helper must be started by root");
        return -1;
    }
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
        ru != 0 || eu != 0 || su != 0 || rg != 0 || eg != 0 || sg != 0) {
        s4u_status_set(st, S4U_ERR_INTERNAL, 0, "cannot make every id root's");
        return -1;
    }
    return 0;
}

/* Read the whole request from standard input, bounded. */
static char *
read_request(size_t *len_out)
{
    char *buf = malloc(S4U_REQUEST_MAX + 1);
    size_t len = 0;
    ssize_t n;

    *len_out = 0;
    if (buf == NULL)
        return NULL;
    while (len <= S4U_REQUEST_MAX) {
        n = read(STDIN_FILENO, buf + len, S4U_REQUEST_MAX + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *len_out = len;
    return buf;
}

/* Print the outcome; a failure to format still ends the answer. */
static int
reply(const struct s4u_outcome *out)
{
    char *text = NULL;
    int ret;

    static const char broken[] =
        "fatal\tINTERNAL\t0\tcannot format the answer\nend\n";

    if (s4u_outcome_format(out, &text) != 0)
        return write_all(STDOUT_FILENO, broken, sizeof(broken) - 1);
    ret = write_all(STDOUT_FILENO, text, strlen(text));
    free(text);
    return ret;
}

/*
 * Before becoming the user, who may then signal us: block every signal
 * that can be blocked (SIGKILL and SIGSTOP cannot) and stop the timeout for
 * good, so that no signal of hers runs our handler (a false TIMEOUT) or
 * cuts the cache write short.  SIG_IGN also discards an alarm already due.
 */
static int
shut_out_signals(struct s4u_status *st)
{
    struct sigaction sa;
    sigset_t all;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    if (sigfillset(&all) != 0 || sigprocmask(SIG_SETMASK, &all, NULL) != 0 ||
        sigemptyset(&sa.sa_mask) != 0 || sigaction(SIGALRM, &sa, NULL) != 0) {
        s4u_status_set(st, S4U_ERR_INTERNAL, errno, "cannot block signals");
        return -1;
    }
    alarm(0);
    return 0;
}

/*
 * Tell the module which cache we are about to write, before we write it:
 * if the user kills us half-way, the module still removes it at logout.
 */
static int
announce_cache(const char *name, struct s4u_status *st)
{
    char *text = NULL;
    int ret;

    if (s4u_pending_format(name, &text) != 0) {
        s4u_status_set(st, S4U_ERR_INTERNAL, 0, "cannot announce %s", name);
        return -1;
    }
    ret = write_all(STDOUT_FILENO, text, strlen(text));
    if (ret != 0)
        s4u_status_set(st, S4U_ERR_HELPER, errno, "the module stopped reading");
    free(text);
    return ret;
}

/* How the tickets reach the user's cache: a new one, or refreshed. */
typedef krb5_error_code store_fn(krb5_context ctx, const char *name, uid_t uid,
                                 const struct s4u_tickets *tickets,
                                 struct s4u_outcome *out);

/*
 * The cache to write: for a new one (fresh), a new name in the collection
 * ccache= names, announced to the module before the write; for a refresh,
 * the cache of ours ccache= names, which the module already knows.
 */
static int
choose_cache(const struct s4u_request *req, bool fresh, char **name_out,
             struct s4u_status *st)
{
    if (fresh)
        return s4u_cache_new_name(req->ccache, req->uid, name_out, st) != 0 ||
                       announce_cache(*name_out, st) != 0
                   ? -1
                   : 0;
    *name_out = strdup(req->ccache);
    if (*name_out == NULL) {
        s4u_status_set(st, S4U_ERR_NOMEM, ENOMEM, "out of memory");
        return -1;
    }
    return 0;
}

/*
 * A krb5 context made after the switch to the user, for her caches: a
 * KCM daemon (sssd-kcm) gives a cache to the uid that connects, so no
 * connection or state of the root part may be reused for them.  Only the
 * KDC's clock offset that ctx (NULL: none) learned is carried over, so the
 * cache records it and her tickets work from a skewed host.
 */
static krb5_context
user_context(krb5_context ctx, struct s4u_status *st)
{
    krb5_context uctx = NULL;
    krb5_timestamp off_sec = 0, now = 0;
    krb5_int32 off_usec = 0, now_usec = 0;
    krb5_error_code kret;

    kret = krb5_init_secure_context(&uctx);
    if (kret != 0) {
        s4u_status_set(st, S4U_ERR_CONFIG, kret,
                       "cannot read krb5.conf as the user (error %ld)",
                       (long)kret);
        return NULL;
    }
    if (ctx != NULL && krb5_get_time_offsets(ctx, &off_sec, &off_usec) == 0 &&
        (off_sec != 0 || off_usec != 0) &&
        krb5_us_timeofday(ctx, &now, &now_usec) == 0)
        (void)krb5_set_real_time(uctx, now, now_usec);
    return uctx;
}

/*
 * Delegate or refresh: fetch as root, shut out the user's signals, then
 * become her and write her cache with store, through a context of hers.
 */
static void
run_delegate(krb5_context ctx, const struct s4u_request *req, store_fn *store,
             bool fresh, struct s4u_outcome *out)
{
    struct s4u_tickets tickets = {0};
    krb5_context uctx = NULL;
    char *name = NULL;

    arm_timeout(req->timeout);
    /* A refresh renews the host's TGT too: no ticket outlives it. */
    if (s4u_fetch(ctx, req, !fresh, &tickets, out) != 0 || tickets.ncreds == 0)
        goto cleanup;
    if (shut_out_signals(&out->st) != 0 ||
        choose_cache(req, fresh, &name, &out->st) != 0 ||
        s4u_drop_to_user(req->uid, req->gid, &out->st) != 0 ||
        (uctx = user_context(ctx, &out->st)) == NULL)
        goto cleanup;
    (void)store(uctx, name, req->uid, &tickets, out);

cleanup:
    alarm(0);
    free(name);
    s4u_tickets_free(ctx, &tickets);
    if (uctx != NULL)
        krb5_free_context(uctx);
}

/*
 * Nobody read our answer: the login that ran us was killed while we wrote
 * its new cache (its end of the socket is gone, so the answer failed with
 * EPIPE).  No logout will ever remove a cache no module knows of, so we
 * remove it ourselves: we are the user by now, and it is ours.  A failure
 * to announce it stopped us before any write, and a refreshed cache
 * belonged to a session before us: neither is removed here.
 */
static void
remove_unclaimed(krb5_context ctx, const char *mode,
                 const struct s4u_outcome *out)
{
    struct s4u_status st = {0};

    if (ctx == NULL || mode == NULL || strcmp(mode, "delegate") != 0 ||
        out->ccache_name == NULL)
        return;
    (void)s4u_cache_destroy(ctx, out->ccache_name, &st);
}

/* Refresh: only a cache of ours, refused before any KDC traffic. */
static void
run_refresh(krb5_context ctx, const struct s4u_request *req,
            struct s4u_outcome *out)
{
    if (!s4u_cache_name_ours(req->ccache)) {
        s4u_status_set(&out->st, S4U_ERR_CONFIG, 0,
                       "not a cache pam_s4u created: %s", req->ccache);
        return;
    }
    run_delegate(ctx, req, s4u_cache_refresh, false, out);
}

/*
 * Destroy: become the user and remove one cache we created, through a
 * context of hers; the collection's primary then never names it.
 */
static void
run_destroy(const struct s4u_request *req, struct s4u_outcome *out)
{
    krb5_context uctx = NULL;

    if (shut_out_signals(&out->st) == 0 &&
        s4u_drop_to_user(req->uid, req->gid, &out->st) == 0 &&
        (uctx = user_context(NULL, &out->st)) != NULL)
        (void)s4u_cache_destroy(uctx, req->ccache, &out->st);
    if (uctx != NULL)
        krb5_free_context(uctx);
}

int
main(void)
{
    struct s4u_request req = {0};
    struct s4u_outcome out = {0};
    krb5_context ctx = NULL;
    krb5_error_code kret;
    const char *why = NULL;
    char *text = NULL, *mode = NULL;
    size_t len;
    int status = 1;

    /* Nothing from the caller's environment reaches Kerberos or GSSAPI. */
    clearenv();
    /* No core dumps or ptrace by the user once ids change; private files. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    umask(077);
    signal(SIGPIPE, SIG_IGN);
    if (become_root(&out.st) != 0)
        goto done;
    text = read_request(&len);
    if (text == NULL || s4u_request_parse(text, len, &mode, &req, &why) != 0) {
        s4u_status_set(&out.st, S4U_ERR_HELPER, 0, "bad request: %s",
                       why != NULL ? why : "unreadable");
        goto done;
    }
    if (req.uid == 0) {
        s4u_status_set(&out.st, S4U_ERR_BAD_USER, 0,
                       "root is never impersonated");
        goto done;
    }
    kret = krb5_init_secure_context(&ctx);
    if (kret != 0) {
        s4u_status_set(&out.st, S4U_ERR_CONFIG, kret,
                       "cannot read krb5.conf (error %ld)", (long)kret);
        goto done;
    }
    if (strcmp(mode, "delegate") == 0)
        run_delegate(ctx, &req, s4u_cache_store, true, &out);
    else if (strcmp(mode, "refresh") == 0)
        run_refresh(ctx, &req, &out);
    else if (strcmp(mode, "destroy") == 0)
        run_destroy(&req, &out);
    else
        s4u_status_set(&out.st, S4U_ERR_HELPER, 0, "unknown mode");
    status = 0;

done:
    if (reply(&out) != 0) {
        remove_unclaimed(ctx, mode, &out);
        status = 1;
    }
    s4u_outcome_free(&out);
    s4u_request_free(&req);
    if (ctx != NULL)
        krb5_free_context(ctx);
    free(mode);
    free(text);
    return status;
}
