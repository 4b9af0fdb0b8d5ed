/*
 * s4u_privsep.c: becoming the user for good.
 *
 * The helper writes the user's cache only after this, so the kernel charges
 * her keys to her and makes her their owner, as pam_keyinit and OpenSSH
 * do.  The switch is permanent and verified.
 */
#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include "gss_helper/s4u_engine.h"

/* Switch every uid and gid to the user's, and prove root is gone. */
int
s4u_drop_to_user(uid_t uid, gid_t gid, struct s4u_status *st)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;

    if (uid == 0) {
        s4u_status_set(st, S4U_ERR_BAD_USER, 0, "refusing to act as root");
        return EPERM;
    }
    if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0) {
        s4u_status_set(st, S4U_ERR_INTERNAL, errno, "cannot switch to uid %lu",
                       (unsigned long)uid);
        return EPERM;
    }
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
        ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
        sg != gid || setuid(0) == 0) {
        s4u_status_set(st, S4U_ERR_INTERNAL, 0,
                       "switching to uid %lu did not take", (unsigned long)uid);
        return EPERM;
    }
    return 0;
}
