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
#include <string.h>
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

/* How each KDC kind's fix is labelled in a log line. */
static const char *const kind_labels[S4U_KDC_KINDS] = {
    [S4U_KDC_MIT] = "MIT",
    [S4U_KDC_IPA] = "FreeIPA",
    [S4U_KDC_AD] = "AD",
    [S4U_KDC_SAMBA] = "Samba"};

/*
 * Append "; <KIND>: <fix>" to buf for each kind in kinds (MIT's when the
 * helper could not tell the kind), names filled in from vars.
 */
static void
append_fixes(char *buf, size_t size, const struct s4u_explanation *ex,
             unsigned int kinds, const struct s4u_fix_var *vars, size_t nvars)
{
    char *filled;
    const char *fix;
    size_t len;
    int k;

    buf[0] = '\0';
    if (kinds == 0)
        kinds = 1u << S4U_KDC_MIT;
    for (k = 0; k < S4U_KDC_KINDS; k++) {
        fix = s4u_explain_fix(ex, k);
        if (!(kinds & (1u << k)) || fix[0] == '\0')
            continue;
        filled = NULL;
        if (s4u_fix_expand(fix, vars, nvars, &filled) == 0)
            fix = filled;
        len = strlen(buf);
        snprintf(buf + len, size - len, "; %s: %s", kind_labels[k], fix);
        free(filled);
    }
}

/*
 * Log a failure as an admin reads it: what failed, for whom, why (the
 * catalog's words and the library's), and the fix, with the exact command
 * for the kinds of KDC the helper took the realm's for (kinds; 0: MIT's).
 */
void
s4u_log_failure(struct pam_handle *pamh, int prio, const char *user,
                const char *host, const char *target, const char *what,
                unsigned int kinds, const struct s4u_status *st)
{
    const struct s4u_explanation *ex = s4u_explain(st->code);
    const struct s4u_fix_var vars[] = {{"user", user},
                                       {"login", user},
                                       {"target", target},
                                       {"target-spn", target},
                                       {"host", host}};
    char fixes[2048];

    append_fixes(fixes, sizeof(fixes), ex, kinds, vars,
                 sizeof(vars) / sizeof(vars[0]));
    s4u_log(pamh, prio, "%s failed for user=%s: %s [%s%s%s]%s%s%s", what,
            user != NULL ? user : "?", ex->what, ex->id,
            st->detail[0] != '\0' ? ": " : "", st->detail,
            ex->fix[0] != '\0' ? "; fix: " : "", ex->fix, fixes);
}
