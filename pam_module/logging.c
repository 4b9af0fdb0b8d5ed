/*
 * logging.c: every log line of the module goes through here, to syslog via
 * pam_syslog, in an admin's words: what failed, the library's own message,
 * and the fix from the catalog.  Keys and tickets are never logged.
 *
 * A line carries text nobody here chose: the login name, cache names from
 * the helper, and the KDC's error text (a KRB-ERROR is unauthenticated, so
 * anyone on the path can write it).  So every line is escaped as a whole
 * (lib/s4u_escape.c) right before it leaves, whatever its fields.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "pam_module/internal.h"

/* Format, escape and send one line. */
__attribute__((format(printf, 3, 0))) static void
log_line(struct pam_handle *pamh, int prio, const char *fmt, va_list ap)
{
    char *text = NULL, *safe = NULL;

    if (vasprintf(&text, fmt, ap) < 0) {
        pam_syslog(pamh, LOG_ERR, "out of memory while logging");
        return;
    }
    safe = s4u_escape_dup(text);
    if (safe == NULL)
        pam_syslog(pamh, LOG_ERR, "out of memory while logging");
    else
        pam_syslog(pamh, prio, "%s", safe);
    free(safe);
    free(text);
}

/* Log one line. */
void
s4u_log(struct pam_handle *pamh, int prio, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line(pamh, prio, fmt, ap);
    va_end(ap);
}

/* The s4u_warn_fn for the option loader: a warning through pam_syslog. */
void
s4u_warn_pam(void *data, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line(data, LOG_WARNING, fmt, ap);
    va_end(ap);
}

/*
 * Log a failed step:
 * "<what> failed for user=U: <why> [ID: detail]; fix: ...; MIT: <command>"
 * with the command's <user>, <target> and <host> filled in where known.
 */
void
s4u_log_failure(struct pam_handle *pamh, int prio, const char *user,
                const char *host, const char *target, const char *what,
                const struct s4u_status *st)
{
    const struct s4u_explanation *ex = s4u_explain(st->code);
    const struct s4u_fix_var vars[] = {{"user", user},
                                       {"target", target},
                                       {"target-spn", target},
                                       {"host", host}};
    const char *mit = s4u_explain_fix(ex, S4U_KDC_MIT);
    char *filled = NULL;

    if (s4u_fix_expand(mit, vars, sizeof(vars) / sizeof(vars[0]), &filled) == 0)
        mit = filled;
    s4u_log(pamh, prio, "%s failed for user=%s: %s [%s%s%s]%s%s%s%s", what,
            user != NULL ? user : "?", ex->what, ex->id,
            st->detail[0] != '\0' ? ": " : "", st->detail,
            ex->fix[0] != '\0' ? "; fix: " : "", ex->fix,
            mit[0] != '\0' ? "; MIT: " : "", mit);
    free(filled);
}
