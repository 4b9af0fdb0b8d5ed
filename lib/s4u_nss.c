/*
 * s4u_nss.c: looking an account's uid or a group's gid up through NSS
 * (so SSSD and winbind names count), with a buffer grown as the lookup
 * asks, up to 1 MiB.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

#include "lib/s4u.h"

#define NSS_BUF_MAX (1024 * 1024)

/* One getXXnam_r: 0 with *found and *id set, or its error. */
typedef int (*lookup_fn)(const char *name, char *buf, size_t size, bool *found,
                         unsigned long *id);

/* getpwnam_r, as a lookup_fn. */
static int
passwd_lookup(const char *name, char *buf, size_t size, bool *found,
              unsigned long *id)
{
    struct passwd pw, *res = NULL;
    int ret = getpwnam_r(name, &pw, buf, size, &res);

    *found = ret == 0 && res != NULL;
    if (*found)
        *id = pw.pw_uid;
    return ret;
}

/* getgrnam_r, as a lookup_fn. */
static int
group_lookup(const char *name, char *buf, size_t size, bool *found,
             unsigned long *id)
{
    struct group gr, *res = NULL;
    int ret = getgrnam_r(name, &gr, buf, size, &res);

    *found = ret == 0 && res != NULL;
    if (*found)
        *id = gr.gr_gid;
    return ret;
}

/* Run fn with a buffer that grows while it says ERANGE. */
static int
nss_id(lookup_fn fn, const char *name, unsigned long *id_out)
{
    size_t size = 4096;
    char *buf = NULL, *grown;
    bool found = false;
    int ret;

    for (;;) {
        grown = realloc(buf, size);
        if (grown == NULL) {
            free(buf);
            return ENOMEM;
        }
        buf = grown;
        ret = fn(name, buf, size, &found, id_out);
        if (ret != ERANGE || size >= NSS_BUF_MAX)
            break;
        size *= 2;
    }
    free(buf);
    return ret != 0 ? ret : found ? 0 : ENOENT;
}

/* The uid of account user; 0, ENOENT if there is none, or an errno. */
int
s4u_nss_uid(const char *user, uid_t *uid_out)
{
    unsigned long id = 0;
    int ret = nss_id(passwd_lookup, user, &id);

    if (ret == 0)
        *uid_out = (uid_t)id;
    return ret;
}

/* The gid of group; 0, ENOENT if there is none, or an errno. */
int
s4u_nss_gid(const char *group, gid_t *gid_out)
{
    unsigned long id = 0;
    int ret = nss_id(group_lookup, group, &id);

    if (ret == 0)
        *gid_out = (gid_t)id;
    return ret;
}
