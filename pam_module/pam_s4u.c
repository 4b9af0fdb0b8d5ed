/*
 * pam_s4u.c: the PAM entry points, and nothing else.
 *
 * auth:     pam_sm_authenticate never decides anything (PAM_IGNORE); the
 *           module sits in the auth stack only for pam_sm_setcred.
 * setcred:  ESTABLISH delegates, REINITIALIZE/REFRESH renew, DELETE removes.
 * session:  open delegates (once per handle), close removes.
 * PAM_SILENT keeps the module from talking to the user (the expiry line).
 */
#include <stdbool.h>

#include <security/pam_modules.h>

#include "pam_module/internal.h"

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)pamh;
    (void)flags;
    (void)argc;
    (void)argv;
    return PAM_IGNORE;
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    if (flags & PAM_DELETE_CRED)
        return s4u_pam_destroy(pamh, argc, argv, true);
    if (flags & (PAM_REINITIALIZE_CRED | PAM_REFRESH_CRED))
        return s4u_pam_refresh(pamh, argc, argv);
    return s4u_pam_delegate(pamh, argc, argv, true, (flags & PAM_SILENT) != 0);
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return s4u_pam_delegate(pamh, argc, argv, false, (flags & PAM_SILENT) != 0);
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)flags;
    return s4u_pam_destroy(pamh, argc, argv, false);
}
