/*
 * internal.h: the pam_s4u module's internal interfaces.
 *
 * public entry points (pam_s4u.c) -> session.c (the work) -> lib/s4u_spawn.c
 * (runs pam_s4u_helper) ; options.c (configuration) and logging.c (pam_syslog).
 */
#ifndef S4U_PAM_INTERNAL_H
#define S4U_PAM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/s4u.h"
#include "lib/s4u_options.h"
#include "lib/s4u_spawn.h"

struct pam_handle;

/* logging.c */
void s4u_log(struct pam_handle *pamh, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void s4u_warn_pam(void *data, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void s4u_log_failure(struct pam_handle *pamh, int prio, const char *user,
                     const char *host, const char *target, const char *what,
                     unsigned int kinds, const struct s4u_status *st);

/* session.c */
int s4u_pam_delegate(struct pam_handle *pamh, int argc, const char **argv,
                     bool cred, bool silent);
int s4u_pam_refresh(struct pam_handle *pamh, int argc, const char **argv);
int s4u_pam_destroy(struct pam_handle *pamh, int argc, const char **argv,
                    bool cred);

#endif /* S4U_PAM_INTERNAL_H */
