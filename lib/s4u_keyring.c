/*
 * s4u_keyring.c: the kernel keyring quotas, from the sysctls under
 * /proc/sys/kernel/keys and the per-uid usage in /proc/key-users.  The
 * helper reads them to leave the user room before it writes her cache;
 * s4uctl shows them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u_keyring.h"
#include "lib/s4u.h"

/* One number from a /proc file, or -1. */
static long
read_number(const char *path)
{
    FILE *f = fopen(path, "re");
    long v;

    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

/*
 * Parse /proc/key-users: "uid: usage nkeys/nikeys qnkeys/maxkeys
 * qnbytes/maxbytes" per line.  0 or ENOMEM; unparsable lines are skipped.
 */
int
s4u_key_users_parse(const char *text, struct s4u_key_user **users_out,
                    size_t *n_out)
{
    struct s4u_key_user u, *v = NULL, *grown;
    const char *p;
    long usage, nk, nik;
    size_t n = 0;

    *users_out = NULL;
    *n_out = 0;
    for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
        p += *p == '\n';
        if (sscanf(p, " %lu: %ld %ld/%ld %ld/%ld %ld/%ld", &u.uid, &usage, &nk,
                   &nik, &u.keys, &u.maxkeys, &u.bytes, &u.maxbytes) != 8)
            continue;
        grown = realloc(v, (n + 1) * sizeof(*v));
        if (grown == NULL) {
            free(v);
            return ENOMEM;
        }
        v = grown;
        v[n++] = u;
    }
    *users_out = v;
    *n_out = n;
    return 0;
}

/* The keyring limits and every uid's usage. */
int
s4u_key_limits_read(struct s4u_key_limits *out)
{
    char *text = NULL;
    int ret;

    memset(out, 0, sizeof(*out));
    out->maxkeys = read_number("/proc/sys/kernel/keys/maxkeys");
    out->maxbytes = read_number("/proc/sys/kernel/keys/maxbytes");
    out->root_maxkeys = read_number("/proc/sys/kernel/keys/root_maxkeys");
    out->root_maxbytes = read_number("/proc/sys/kernel/keys/root_maxbytes");
    ret = s4u_read_text("/proc/key-users", &text);
    if (ret == 0)
        ret = s4u_key_users_parse(text, &out->users, &out->nusers);
    free(text);
    return ret;
}

/* Free the per-uid usage. */
void
s4u_key_limits_free(struct s4u_key_limits *kl)
{
    free(kl->users);
    memset(kl, 0, sizeof(*kl));
}

/*
 * The room kl leaves in uid's quota: keys and bytes.  Before uid owns any
 * key (it has no line in /proc/key-users) the whole per-user limit is the
 * room; when even that is unknown, the kernel's default limits.
 */
void
s4u_key_room_in(const struct s4u_key_limits *kl, uid_t uid, long *keys_out,
                long *bytes_out)
{
    size_t i;

    *keys_out = kl->maxkeys >= 0 ? kl->maxkeys : S4U_KEY_DEFAULT_MAXKEYS;
    *bytes_out = kl->maxbytes >= 0 ? kl->maxbytes : S4U_KEY_DEFAULT_MAXBYTES;
    for (i = 0; i < kl->nusers; i++) {
        if (kl->users[i].uid == (unsigned long)uid) {
            *keys_out = kl->users[i].maxkeys - kl->users[i].keys;
            *bytes_out = kl->users[i].maxbytes - kl->users[i].bytes;
            return;
        }
    }
}

/* The room left in uid's quota now, as far as /proc tells. */
void
s4u_key_room(uid_t uid, long *keys_out, long *bytes_out)
{
    struct s4u_key_limits kl;

    (void)s4u_key_limits_read(&kl); /* what it could read, at worst -1s */
    s4u_key_room_in(&kl, uid, keys_out, bytes_out);
    s4u_key_limits_free(&kl);
}
