/*
 * internal.h: the pam_s4u module's internal interfaces.
 *
 * public entry points (pam_s4u.c) -> session.c (the work) -> spawn.c (runs
 * pam_s4u_helper) ; options.c (configuration) and logging.c (pam_syslog).
 */
#ifndef S4U_PAM_INTERNAL_H
#define S4U_PAM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "s4u.h"

struct pam_handle;

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
    S4U_OPT_HELPER,
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
    char *helper;
    enum s4u_source source[S4U_OPT_COUNT];
};

/* How options.c reports an unusable value without knowing about PAM. */
typedef void s4u_warn_fn(void *data, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The service line Linux-PAM cuts at about 1 KiB (FACTS.md). */
#define S4U_PAM_LINE_SUSPECT 960

/* options.c */
int s4u_options_load(struct s4u_options *opts, int argc, const char **argv,
                     s4u_warn_fn *warn, void *data);
void s4u_options_free(struct s4u_options *opts);
const char *s4u_option_name(enum s4u_option_id id);
const char *s4u_source_name(enum s4u_source src);

/* logging.c */
void s4u_log(struct pam_handle *pamh, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void s4u_warn_pam(void *data, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void s4u_log_failure(struct pam_handle *pamh, int prio, const char *user,
                     const char *host, const char *target, const char *what,
                     const struct s4u_status *st);

/* spawn.c */
int s4u_run_helper(const char *path, const char *request, unsigned int timeout,
                   struct s4u_outcome *out);

/* session.c */
int s4u_pam_delegate(struct pam_handle *pamh, int argc, const char **argv,
                     bool cred);
int s4u_pam_refresh(struct pam_handle *pamh, int argc, const char **argv);
int s4u_pam_destroy(struct pam_handle *pamh, int argc, const char **argv,
                    bool cred);

#endif /* S4U_PAM_INTERNAL_H */
