/*
 * s4u_status.c: filling in a step's status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/s4u.h"

/* Reset a status to success. */
void
s4u_status_clear(struct s4u_status *st)
{
    st->code = S4U_OK;
    st->lib_code = 0;
    st->detail[0] = '\0';
}

/* Record a failure with a formatted detail, made safe for one log line. */
void
s4u_status_set(struct s4u_status *st, enum s4u_code code, long lib_code,
               const char *fmt, ...)
{
    va_list ap;

    st->code = code;
    st->lib_code = lib_code;
    va_start(ap, fmt);
    vsnprintf(st->detail, sizeof(st->detail), fmt, ap);
    va_end(ap);
    s4u_escape_inplace(st->detail, sizeof(st->detail));
}

/* Record a failure with the krb5 library's message appended. */
void
s4u_status_krb5(struct s4u_status *st, enum s4u_code code, krb5_context ctx,
                krb5_error_code kret, const char *what)
{
    const char *msg = krb5_get_error_message(ctx, kret);

    s4u_status_set(st, code, kret, "%s: %s", what,
                   msg != NULL ? msg : "unknown Kerberos error");
    krb5_free_error_message(ctx, msg);
}
