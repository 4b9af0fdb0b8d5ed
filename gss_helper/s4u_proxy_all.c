/*
 * s4u_proxy_all.c: step 3 for every target at once.
 *
 * Each S4U2proxy request is one TGS round trip, and MIT krb5 has no public
 * asynchronous way to send one (krb5_tkt_creds_step no longer does
 * S4U2proxy since 1.18), so the requests run on threads.  A krb5 context
 * may be used by one thread at a time, so each worker has its own context
 * and its own MEMORY copy of the host's cache (the host's TGT; the
 * evidence ticket is passed read-only).  At most max_parallel= threads
 * run; they take targets in order from a shared counter.  Each target has
 * a slot of its own, so the results keep the configured order and one
 * failing target never stops the others.
 *
 * Workers block every signal: the helper's SIGALRM (timeout=) is taken by
 * the main thread, whose handler answers TIMEOUT and ends the whole process.
 * All workers are joined before this returns, so none is left when the
 * helper switches to the user.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "gss_helper/s4u_engine.h"

/* Stack of each worker: krb5 needs far less; the default is 8 MiB. */
#define WORKER_STACK (1024 * 1024)

/* What every worker reads; next and the slots are what they write. */
struct fanout {
    const char *host_ccname; /* the caller's MEMORY cache of host creds */
    const char *realm;       /* realm=, or NULL */
    krb5_timestamp time_sec; /* the caller's KDC time offset */
    krb5_int32 time_usec;
    krb5_principal host;        /* read-only */
    const krb5_creds *evidence; /* read-only */
    const char *const *targets;
    struct s4u_proxy_slot *slots;
    size_t ntargets;
    size_t next; /* the next target to take, atomically */
};

/*
 * Give ctx the KDC time offset sec.usec (learnt by the caller's context,
 * kdc_timesync), through the public krb5_set_real_time.
 */
static krb5_error_code
set_offset(krb5_context ctx, krb5_timestamp sec, krb5_int32 usec)
{
    struct timeval now;
    long long real_sec, real_usec;

    if (gettimeofday(&now, NULL) != 0)
        return errno;
    real_usec = (long long)now.tv_usec + usec;
    real_sec = (long long)now.tv_sec + sec + real_usec / 1000000;
    real_usec %= 1000000;
    if (real_usec < 0) {
        real_usec += 1000000;
        real_sec--;
    }
    return krb5_set_real_time(ctx, (krb5_timestamp)real_sec,
                              (krb5_int32)real_usec);
}

/*
 * A worker's own context and MEMORY copy of the host's cache, with the
 * caller's realm and KDC time offset (kdc_timesync), so its requests are
 * the ones the caller would send.
 */
static krb5_error_code
worker_setup(const struct fanout *f, krb5_context *ctx_out, krb5_ccache *cc_out,
             struct s4u_status *st)
{
    krb5_context ctx = NULL;
    krb5_ccache shared = NULL, cc = NULL;
    krb5_error_code kret;

    *ctx_out = NULL;
    *cc_out = NULL;
    kret = krb5_init_secure_context(&ctx);
    if (kret != 0) {
        s4u_status_set(st, S4U_ERR_INTERNAL, kret,
                       "cannot make a krb5 context (error %ld)", (long)kret);
        return kret;
    }
    if (f->realm != NULL)
        kret = krb5_set_default_realm(ctx, f->realm);
    if (kret == 0 && (f->time_sec != 0 || f->time_usec != 0))
        kret = set_offset(ctx, f->time_sec, f->time_usec);
    if (kret == 0)
        kret = krb5_cc_resolve(ctx, f->host_ccname, &shared);
    if (kret == 0)
        kret = krb5_cc_new_unique(ctx, "MEMORY", NULL, &cc);
    if (kret == 0)
        kret = krb5_cc_initialize(ctx, cc, f->host);
    if (kret == 0)
        kret = krb5_cc_copy_creds(ctx, shared, cc);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_INTERNAL, ctx, kret,
                        "copying the host's cache for a worker");
        if (cc != NULL)
            krb5_cc_destroy(ctx, cc);
        cc = NULL;
    }
    if (shared != NULL)
        krb5_cc_close(ctx, shared);
    if (kret != 0) {
        krb5_free_context(ctx);
        return kret;
    }
    *ctx_out = ctx;
    *cc_out = cc;
    return 0;
}

/*
 * Take targets until none is left.  A worker that could not set itself up
 * still takes its share and marks each with the reason, so every target
 * ends with a result whichever workers started.
 */
static void *
worker(void *arg)
{
    struct fanout *f = arg;
    struct s4u_status setup_st;
    struct s4u_proxy_slot *slot;
    krb5_context ctx = NULL;
    krb5_ccache cc = NULL;
    size_t i;

    s4u_status_clear(&setup_st);
    (void)worker_setup(f, &ctx, &cc, &setup_st);
    while ((i = __atomic_fetch_add(&f->next, 1, __ATOMIC_RELAXED)) <
           f->ntargets) {
        slot = &f->slots[i];
        s4u_status_clear(&slot->st);
        if (ctx == NULL)
            slot->st = setup_st;
        else
            (void)s4u_proxy(ctx, cc, f->host, f->evidence, f->targets[i],
                            &slot->creds, &slot->st);
    }
    if (cc != NULL)
        krb5_cc_destroy(ctx, cc);
    if (ctx != NULL)
        krb5_free_context(ctx);
    return NULL;
}

/* Start up to n workers with every signal blocked; how many started. */
static size_t
start_workers(struct fanout *f, pthread_t *tids, size_t n)
{
    pthread_attr_t attr;
    sigset_t all, old;
    size_t started = 0;

    if (pthread_attr_init(&attr) != 0)
        return 0;
    (void)pthread_attr_setstacksize(&attr, WORKER_STACK);
    sigfillset(&all);
    if (pthread_sigmask(SIG_SETMASK, &all, &old) == 0) {
        while (started < n &&
               pthread_create(&tids[started], &attr, worker, f) == 0)
            started++;
        (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    pthread_attr_destroy(&attr);
    return started;
}

/*
 * S4U2proxy for every target, at most max_parallel= at a time: slot i
 * gets target i's ticket or the reason it has none.  ctx and host_cc are
 * the caller's; they are only read (the cache through its name, by each
 * worker's own context).  If no thread can be started, the calling thread
 * does all the work itself, one target after the other.
 */
krb5_error_code
s4u_proxy_all(krb5_context ctx, krb5_ccache host_cc, krb5_principal host,
              const krb5_creds *evidence, const struct s4u_request *req,
              struct s4u_proxy_slot *slots)
{
    struct fanout f = {0};
    pthread_t tids[S4U_PARALLEL_MAX];
    size_t n, started, i;
    char *ccname = NULL;
    krb5_error_code kret;

    kret = krb5_cc_get_full_name(ctx, host_cc, &ccname);
    if (kret != 0)
        return kret;
    f.host_ccname = ccname;
    f.realm = req->realm;
    if (krb5_get_time_offsets(ctx, &f.time_sec, &f.time_usec) != 0)
        f.time_sec = f.time_usec = 0;
    f.host = host;
    f.evidence = evidence;
    f.targets = (const char *const *)req->targets;
    f.slots = slots;
    f.ntargets = req->ntargets;
    n = req->max_parallel != 0 ? req->max_parallel : S4U_PARALLEL_DEFAULT;
    if (n > S4U_PARALLEL_MAX)
        n = S4U_PARALLEL_MAX;
    if (n > req->ntargets)
        n = req->ntargets;
    started = start_workers(&f, tids, n);
    if (started == 0)
        (void)worker(&f);
    for (i = 0; i < started; i++)
        (void)pthread_join(tids[i], NULL);
    krb5_free_string(ctx, ccname);
    return 0;
}
