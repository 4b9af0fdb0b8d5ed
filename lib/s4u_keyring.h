/*
 * s4u_keyring.h: the kernel keyring quotas.
 */
#ifndef S4U_KEYRING_H
#define S4U_KEYRING_H

#include <stddef.h>
#include <sys/types.h>

/* The kernel's per-user limits (keyrings(7)), when the sysctls are unread. */
#define S4U_KEY_DEFAULT_MAXKEYS 200
#define S4U_KEY_DEFAULT_MAXBYTES 20000

/* --- s4u_keyring.c --- */
struct s4u_key_user {
    unsigned long uid;
    long keys, maxkeys;   /* keys charged to the uid, and its limit */
    long bytes, maxbytes; /* bytes charged, and the limit */
};

struct s4u_key_limits {
    long maxkeys, maxbytes;           /* per non-root user (sysctl) */
    long root_maxkeys, root_maxbytes; /* for root */
    struct s4u_key_user *users;       /* from /proc/key-users */
    size_t nusers;
};

int s4u_key_limits_read(struct s4u_key_limits *out);
int s4u_key_users_parse(const char *text, struct s4u_key_user **users_out,
                        size_t *n_out);
void s4u_key_limits_free(struct s4u_key_limits *kl);
void s4u_key_room_in(const struct s4u_key_limits *kl, uid_t uid, long *keys_out,
                     long *bytes_out);
void s4u_key_room(uid_t uid, long *keys_out, long *bytes_out);

#endif /* S4U_KEYRING_H */
