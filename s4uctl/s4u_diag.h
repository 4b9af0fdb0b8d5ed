/*
 * s4u_diag.h: diagnosis and inspection for s4uctl, built on the engine.
 *
 * s4u_diag.c runs the engine's steps one by one (s4u_host_creds, s4u_self,
 * s4u_proxy) and adds what an admin needs to act on a failure: the keytab's
 * and the KDC's key versions, which of the causes of non-forwardable
 * evidence applies, and whether a refused target exists at all.  All
 * tickets stay in MEMORY caches; nothing is written to any user's cache.
 *
 * s4u_inspect.c reads local state without the KDC: pam_s4u lines of a PAM
 * service file, the kernel keyring quotas, and a user's delegated caches.
 */
#ifndef S4U_DIAG_H
#define S4U_DIAG_H

#include "gss_helper/s4u_engine.h"
#include "lib/s4u.h"

#define S4U_DIAG_TEXT_MAX 512

/* The steps of a check, in the order they run and are reported. */
enum s4u_diag_step {
    S4U_STEP_CONFIG = 0, /* the configuration (s4uctl itself) */
    S4U_STEP_USER,       /* the login: local account, minimum_uid (s4uctl) */
    S4U_STEP_KEYTAB,     /* the keytab holds the host's key */
    S4U_STEP_HOST_TGT,   /* the KDC issues the host a (forwardable) TGT */
    S4U_STEP_KVNO,       /* the KDC's key version matches the keytab's */
    S4U_STEP_S4U2SELF,   /* an evidence ticket for the user; forwardable? */
    S4U_STEP_S4U2PROXY,  /* one per target */
    S4U_STEP_COUNT
};

enum s4u_verdict { S4U_PASS = 0, S4U_WARN, S4U_FAIL };

/* What one step found. */
struct s4u_diag_result {
    enum s4u_diag_step step;
    enum s4u_verdict verdict;
    struct s4u_status st;           /* catalog code and library detail */
    char subject[S4U_NAME_MAX];     /* keytab, principal or target */
    char host[S4U_NAME_MAX];        /* the jump host's principal, once known */
    char facts[S4U_DIAG_TEXT_MAX];  /* what was found */
    char reason[S4U_DIAG_TEXT_MAX]; /* how we know the cause, if not PASS */
    long keytab_kvno;               /* -1: unknown */
    long kdc_kvno;                  /* -1: unknown */
    int forwardable;                /* -1: unknown, 0, 1 */
    int exists;                     /* targets: -1 unknown, 0, 1 */
    int64_t endtime;                /* ticket end time, 0: none */
    unsigned int kdc_kinds; /* bit per enum s4u_kdc_kind the KDC may be */
};

/* Where s4u_diag_run reports: a step starts, a step has a result. */
struct s4u_diag_sink {
    void (*begin)(void *data, enum s4u_diag_step step, const char *subject);
    void (*result)(void *data, const struct s4u_diag_result *r);
    void *data;
};

/* A host TGT kept between logins, as s4uctl status shows it. */
struct s4u_kept_tgt {
    char principal[S4U_NAME_MAX];
    int64_t endtime;   /* 0: unknown */
    const char *state; /* "fresh", "aging", "expired" or "unusable" */
};

#define S4U_KEPT_MAX 16

/* What purge found and did, and status shows; see s4u_host_cache_info. */
struct s4u_purge {
    size_t purged; /* host credential caches removed */
    bool kept;     /* does the configuration keep any between logins? */
    char explanation[S4U_DIAG_TEXT_MAX]; /* one paragraph for the admin */
    struct s4u_kept_tgt tgts[S4U_KEPT_MAX];
    size_t ntgts; /* cache files found (tgts holds the first ones) */
};

/* --- s4u_diag.c --- */
void s4u_diag_result_init(struct s4u_diag_result *r, enum s4u_diag_step step,
                          const char *subject);
const char *s4u_diag_step_name(enum s4u_diag_step step);
const char *s4u_diag_step_label(enum s4u_diag_step step);
const char *s4u_verdict_name(enum s4u_verdict verdict);
void s4u_diag_run(const struct s4u_request *req,
                  const struct s4u_diag_sink *sink);
int s4u_diag_as_rep_parse(const unsigned char *der, size_t len,
                          long *enc_kvno_out, krb5_data *ticket_out);
void s4u_host_cache_info(const char *dir, struct s4u_purge *out);
int s4u_host_cache_purge(const char *dir, struct s4u_purge *out,
                         struct s4u_status *st);

/* --- s4u_inspect.c: a user's delegated caches --- */
struct s4u_ticket_info {
    char *server;
    char *client;
    int64_t starttime, endtime;
    bool forwardable;
};

struct s4u_cache_info {
    char *name;
    char *principal; /* the cache's default principal */
    struct s4u_ticket_info *tickets;
    size_t ntickets;
};

int s4u_list_caches(krb5_context ctx, const char *collection,
                    struct s4u_cache_info **caches_out, size_t *n_out,
                    struct s4u_status *st);
void s4u_cache_infos_free(struct s4u_cache_info *caches, size_t n);

#endif /* S4U_DIAG_H */
