/*
 * s4u_engine.h: the Kerberos engine that pam_s4u_helper runs.
 *
 * The engine does the privileged Kerberos work of pam-s4u and knows
 * nothing of PAM:
 *   1. host credentials: a forwardable TGT for the jump host from its keytab
 *      (s4u_host.c);
 *   2. S4U2self: an evidence ticket for the user to the jump host, through
 *      GSSAPI (s4u_self.c);
 *   3. S4U2proxy: one service ticket per target, through krb5 (s4u_proxy.c),
 *      every target at once on threads (s4u_proxy_all.c), keeping none that
 *      a key of the jump host's keytab decrypts;
 *   4. the user's cache: only the target tickets, written as the user after
 *      the privilege drop (s4u_cache.c, s4u_privsep.c).
 * s4u_engine.c runs steps 1 to 3 for one login.  s4uctl's diagnosis runs
 * the same steps one by one, with every ticket in MEMORY caches.
 *
 * Ownership follows MIT krb5: *_out parameters are cleared on entry and set
 * only on success; the caller frees them with the matching s4u_*_free.
 */
#ifndef S4U_ENGINE_H
#define S4U_ENGINE_H

#include <stdbool.h>
#include <sys/types.h>

#include <krb5/krb5.h>

#include "lib/s4u.h"

/* Tickets fetched for the user, held by the privileged side until written. */
struct s4u_tickets {
    krb5_principal client; /* the user, as the KDC named her */
    krb5_creds **creds;    /* one per delegated target */
    size_t *target_index;  /* creds[i] answers out->targets[target_index[i]] */
    size_t ncreds;
    krb5_principal host; /* the jump host, for the store-time check */
};

/* --- s4u_host.c: step 1 --- */
krb5_error_code s4u_host_principal(krb5_context ctx,
                                   const struct s4u_request *req,
                                   krb5_principal *princ_out,
                                   struct s4u_status *st);
krb5_error_code s4u_host_principal_choice(krb5_context ctx,
                                          const struct s4u_request *req,
                                          krb5_principal *princ_out,
                                          const char **why_out,
                                          struct s4u_status *st);
krb5_error_code s4u_host_creds(krb5_context ctx, const struct s4u_request *req,
                               krb5_principal host, krb5_ccache *ccache_out,
                               bool *forwardable_out, struct s4u_status *st);
krb5_error_code s4u_host_creds_kept(krb5_context ctx,
                                    const struct s4u_request *req,
                                    krb5_principal host, bool renew,
                                    krb5_ccache *ccache_out,
                                    bool *forwardable_out, bool *kept_out,
                                    struct s4u_status *st);
krb5_error_code s4u_host_keytab(krb5_context ctx, const struct s4u_request *req,
                                krb5_principal host, krb5_keytab *kt_out,
                                struct s4u_status *st);
krb5_error_code s4u_host_key_owner(krb5_context ctx, krb5_keytab kt,
                                   const krb5_creds *creds,
                                   krb5_principal *owner_out);

/* --- s4u_host_cache.c: the host's TGT kept between logins --- */
/* How usable a kept TGT is (s4u_host_tgt_age). */
enum s4u_tgt_age {
    S4U_TGT_FRESH,   /* use it */
    S4U_TGT_AGING,   /* use it while one login renews it */
    S4U_TGT_EXPIRED, /* renew it first */
};

/* Called by s4u_host_cache_scan for each cache file in the directory. */
typedef void s4u_host_cache_fn(void *data, int dir, const char *name);

int s4u_host_cache_dir(const char *path, bool create, int *fd_out,
                       struct s4u_status *st);
krb5_error_code s4u_host_cache_file(krb5_context ctx, krb5_const_principal host,
                                    char *buf, size_t size);
enum s4u_tgt_age s4u_host_tgt_age(const krb5_creds *tgt, krb5_timestamp now);
krb5_error_code s4u_host_cache_read(krb5_context ctx, int dir, const char *name,
                                    krb5_const_principal host,
                                    krb5_creds **tgt_out);
krb5_error_code s4u_host_cache_write(krb5_context ctx, const char *path,
                                     int dir, const char *name, krb5_ccache mem,
                                     krb5_const_principal host);
krb5_error_code s4u_host_cache_describe(krb5_context ctx, int dir,
                                        const char *name, char *principal,
                                        size_t size, krb5_creds **tgt_out);
int s4u_host_cache_lock(int dir, const char *name, long long deadline_ms);
int s4u_host_cache_scan(int dir, bool remove, s4u_host_cache_fn *fn, void *data,
                        size_t *count_out);

/* --- s4u_self.c: step 2 --- */
krb5_error_code s4u_self(krb5_context ctx, krb5_ccache host_cc,
                         krb5_principal host, krb5_principal user,
                         krb5_creds **evidence_out, struct s4u_status *st);

/* --- s4u_proxy.c: step 3 --- */
krb5_error_code s4u_proxy(krb5_context ctx, krb5_ccache host_cc,
                          krb5_principal host, const krb5_creds *evidence,
                          const char *target, krb5_creds **creds_out,
                          struct s4u_status *st);
bool s4u_creds_safe_for_user(krb5_context ctx, const krb5_creds *creds,
                             krb5_const_principal user,
                             krb5_const_principal host);

/* --- s4u_proxy_all.c: step 3 for every target at once --- */
/*
 * Threads: max_parallel= (req->max_parallel, S4U_PARALLEL_DEFAULT when 0),
 * at most S4U_PARALLEL_MAX.  Each has its own krb5 context and host cache
 * copy, and one TCP connection to the KDC at a time (S4U2proxy requests
 * are too big for UDP).  An MIT KDC queues at most kdc_tcp_listen_backlog
 * + 1 = 6 new connections by default and drops the rest, which then wait
 * a second for the kernel to retry (docs/performance.md).
 */

/* One target's result: its ticket, or why it has none. */
struct s4u_proxy_slot {
    krb5_creds *creds;
    struct s4u_status st;
};

krb5_error_code s4u_proxy_all(krb5_context ctx, krb5_ccache host_cc,
                              krb5_principal host, const krb5_creds *evidence,
                              const struct s4u_request *req,
                              struct s4u_proxy_slot *slots);

/* --- s4u_engine.c: steps 1-3 --- */
void s4u_ticket_not_host(krb5_context ctx, krb5_keytab kt,
                         const krb5_creds *creds, struct s4u_status *st);
void s4u_tickets_free(krb5_context ctx, struct s4u_tickets *t);
krb5_error_code s4u_user_principal(krb5_context ctx, const char *user,
                                   krb5_principal *out, struct s4u_status *st);
krb5_error_code s4u_enterprise_fallback(krb5_context ctx,
                                        krb5_const_principal princ,
                                        krb5_principal *out);
krb5_error_code s4u_self_fallback(krb5_context ctx, krb5_ccache host_cc,
                                  krb5_principal host, krb5_principal user,
                                  krb5_creds **evidence_out,
                                  struct s4u_status *st);
int s4u_probe_forwardable(krb5_context ctx, krb5_ccache host_cc,
                          krb5_principal host, const char *probe, char *used,
                          size_t size, struct s4u_status *st);
krb5_error_code s4u_fetch(krb5_context ctx, const struct s4u_request *req,
                          bool renew_host, struct s4u_tickets *tickets,
                          struct s4u_outcome *out);

/* --- s4u_cache.c: step 4, run as the user --- */
krb5_error_code s4u_cache_new_name(const char *collection, uid_t uid,
                                   char **name_out, struct s4u_status *st);
krb5_error_code s4u_cache_store(krb5_context ctx, const char *name, uid_t uid,
                                const struct s4u_tickets *tickets,
                                struct s4u_outcome *out);
krb5_error_code s4u_cache_refresh(krb5_context ctx, const char *name, uid_t uid,
                                  const struct s4u_tickets *tickets,
                                  struct s4u_outcome *out);
krb5_error_code s4u_cache_destroy(krb5_context ctx, const char *name,
                                  struct s4u_status *st);

/* --- s4u_privsep.c --- */
int s4u_drop_to_user(uid_t uid, gid_t gid, struct s4u_status *st);

#endif /* S4U_ENGINE_H */
