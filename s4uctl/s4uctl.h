/*
 * s4uctl.h: the parts of s4uctl, the admin's tool for pam_s4u.
 *
 *   s4uctl.c         main, options, the configuration, purge
 *   s4uctl_check.c   check and status: the KDC steps, bounded by a timeout
 *   s4uctl_list.c    list: a user's delegated tickets, read as her
 *   s4uctl_report.c  how results look, as text and as JSON, with the
 *                    catalog's fixes filled in
 *   s4uctl_policy.c  what pam_s4u.conf(5) grants, for check and status
 *   s4uctl_refresh.c refresh: renew open sessions' tickets, clean up ended
 *                    sessions, from the module's records
 *
 * The diagnosis itself is s4u_diag.c, on the engine's own functions.
 */
#ifndef S4UCTL_H
#define S4UCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/s4u_keyring.h"
#include "lib/s4u_options.h"
#include "lib/s4u_pamfile.h"
#include "lib/s4u_policy.h"
#include "s4uctl/s4u_diag.h"
#include "s4uctl/s4u_json.h"

/* Exit status (s4uctl(1)). */
#define S4UCTL_PARTIAL 1 /* some targets or checks failed */
#define S4UCTL_NOTHING 2 /* nothing works */
#define S4UCTL_USAGE 3   /* usage or configuration error */
#define S4UCTL_DENIED 4  /* not permitted */

#define S4UCTL_SERVICE "/etc/pam.d/sshd"

/* Everything a command needs: the options given and the configuration. */
struct ctl {
    bool json;
    const char *service;
    bool service_given;
    long timeout;       /* --timeout; 0: from the configuration */
    unsigned int kinds; /* bit per enum s4u_kdc_kind whose fixes we print */
    struct s4u_options opts;
    struct s4u_pam_line *lines;
    size_t nlines;
    const struct s4u_pam_line *line; /* the line the options come from */
    char **warnings;
    size_t nwarnings;
    const char *login; /* check: the user's login name */
    bool abandoned;    /* a KDC request is still hanging in a thread */
    struct s4u_decision *decision; /* check: what the policy grants */
    long margin; /* refresh: renew tickets ending within this many seconds */
};

/* A user resolved once, as the module does (s4uctl_resolve_user). */
struct user {
    char name[S4U_USER_MAX + 1];
    uid_t uid;
    gid_t gid;
    bool local;
};

/* Called with each result as it arrives: all[i], after all[0..i). */
typedef void s4uctl_show_fn(struct ctl *c, const struct s4u_diag_result *all,
                            size_t i);

/* s4uctl.c */
void s4uctl_complain(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
int s4uctl_load_config(struct ctl *c);
void s4uctl_resolve_user(const char *name, struct user *u);

/* s4uctl_check.c */
int s4uctl_check(struct ctl *c, int argc, char **argv);
int s4uctl_status(struct ctl *c, int argc, char **argv);

/* s4uctl_policy.c */
int s4uctl_policy_targets(struct ctl *c, const struct user *u, bool named,
                          struct s4u_request *req);
void s4uctl_policy_json(struct s4u_json *j, const struct ctl *c,
                        const struct s4u_request *req);
void s4uctl_policy_status(const struct ctl *c, struct s4u_json *j);

/* s4uctl_refresh.c */
int s4uctl_refresh(struct ctl *c, int argc, char **argv);

/* s4uctl_list.c */
int s4uctl_list(struct ctl *c, int argc, char **argv);

/* s4uctl_report.c */
const char *s4uctl_when(int64_t t, bool iso, char *buf, size_t size);
void s4uctl_json_config(struct s4u_json *j, const struct ctl *c);
void s4uctl_print_config(const struct ctl *c);
void s4uctl_show_text(struct ctl *c, const struct s4u_diag_result *all,
                      size_t i);
void s4uctl_show_nothing(struct ctl *c, const struct s4u_diag_result *all,
                         size_t i);
void s4uctl_json_results(struct s4u_json *j, const struct ctl *c,
                         const struct s4u_diag_result *all, size_t n);
void s4uctl_print_keyring(const struct s4u_key_limits *kl);
void s4uctl_json_keyring(struct s4u_json *j, const struct s4u_key_limits *kl);

#endif /* S4UCTL_H */
