/*
 * s4u_options.h: pam_s4u's configuration, as the module and s4uctl read it.
 *
 * One table (s4u_options.c), one struct.  Values come, in increasing
 * precedence, from the built-in defaults, krb5.conf [appdefaults] pam_s4u
 * (the realm's block first), and the PAM arguments.  krb5.conf is read
 * through the caller's krb5 context, as in pam-krb5: the module and s4uctl
 * pass a secure one, the unit tests one on a krb5.conf of their own.
 */
#ifndef S4U_OPTIONS_H
#define S4U_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/s4u.h"

/* The link `systemctl enable pam-s4u-refresh.timer` makes. */
#ifndef S4U_REFRESH_TIMER_LINK
#define S4U_REFRESH_TIMER_LINK                                                 \
    "/etc/systemd/system/timers.target.wants/pam-s4u-refresh.timer"
#endif

/* Where the jump host's TGT is kept between logins, unless host_cache=. */
#ifndef S4U_HOST_CACHE_DIR
#define S4U_HOST_CACHE_DIR "/run/pam_s4u"
#endif

/*
 * max_parallel=: S4U2proxy requests in flight at once.  The default fits an
 * MIT KDC with its default kdc_tcp_listen_backlog (5), which queues only 6
 * new TCP connections and drops the rest (S4U2proxy requests are too big
 * for UDP); a dropped connection waits a second for the kernel's retry.
 */
#define S4U_PARALLEL_DEFAULT_TEXT "6"

/* Where an option's value came from, for s4uctl status and debug logs. */
enum s4u_source { S4U_SRC_DEFAULT = 0, S4U_SRC_APPDEFAULTS, S4U_SRC_ARGUMENT };

/* Options in documentation order; see options.c for the table. */
enum s4u_option_id {
    S4U_OPT_DEBUG = 0,
    S4U_OPT_TARGETS,
    S4U_OPT_PRINCIPAL,
    S4U_OPT_KEYTAB,
    S4U_OPT_REALM,
    S4U_OPT_CCACHE,
    S4U_OPT_MINIMUM_UID,
    S4U_OPT_TIMEOUT,
    S4U_OPT_FAIL_ON_ERROR,
    S4U_OPT_LOCAL_ACCOUNTS,
    S4U_OPT_HOST_CACHE,
    S4U_OPT_MAX_PARALLEL,
    S4U_OPT_HELPER,
    S4U_OPT_POLICY,
    S4U_OPT_NO_EXPIRY_NOTICE,
    S4U_OPT_COUNT
};

/* The module's configuration, after defaults, appdefaults and arguments. */
struct s4u_options {
    bool debug;
    char *targets;   /* comma/space separated, as configured */
    char *principal; /* NULL: host/<fqdn> */
    char *keytab;    /* NULL: the krb5 default keytab */
    char *realm;     /* NULL: the default realm */
    char *ccache;    /* template */
    long minimum_uid;
    long timeout; /* seconds */
    bool fail_on_error;
    bool local_accounts; /* also delegate for /etc/passwd accounts */
    char *host_cache;    /* directory of the host's kept TGT, or "none" */
    long max_parallel;   /* S4U2proxy requests in flight at once */
    char *helper;
    char *policy;          /* pam_s4u.conf(5); see s4u_policy.h */
    bool no_expiry_notice; /* no login line about the tickets' expiry */
    enum s4u_source source[S4U_OPT_COUNT];
    enum s4u_ccache_rule ccache_rule; /* how ccache was chosen */
    char *host_ccache; /* krb5.conf default_ccache_name, or NULL */
};

/* How options.c reports an unusable value without knowing about PAM. */
typedef void s4u_warn_fn(void *data, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* s4u_options.c */
int s4u_options_load(krb5_context ctx, struct s4u_options *opts, int argc,
                     const char **argv, const char *service_file,
                     s4u_warn_fn *warn, void *data);
void s4u_options_free(struct s4u_options *opts);
int s4u_options_request(const struct s4u_options *opts, const char *user,
                        uid_t uid, gid_t gid, const char *targets_override,
                        struct s4u_request *req, const char **why_out);
bool s4u_uid_allowed(const struct s4u_options *opts, uid_t uid);
int s4u_local_account(const char *passwd_path, const char *user,
                      bool *local_out);
const char *s4u_option_name(enum s4u_option_id id);
const char *s4u_source_name(enum s4u_source src);

#endif /* S4U_OPTIONS_H */
