/*
 * test_keyring.c: the kernel keyring quotas: /proc/key-users, and the room
 * a uid has left (s4u_key_room_in), from which the helper decides how many
 * tickets fit.
 */
#include <stdlib.h>

#include "lib/s4u_keyring.h"
#include "tests/tap.h"

/* /proc/key-users: each uid's keys and bytes, with their limits. */
static void
test_key_users(void)
{
    struct s4u_key_user *u = NULL;
    size_t n = 0;

    is_long(s4u_key_users_parse("    0:    10 9/9 5/1000000 149/25000000\n"
                                "61001:     3 3/3 3/200 1400/20000\n"
                                "garbage line\n",
                                &u, &n),
            0, "/proc/key-users parses");
    is_long(n, 2, "two users, the garbage skipped");
    ok(n == 2 && u[0].uid == 0 && u[0].keys == 5 && u[0].maxkeys == 1000000,
       "root's keys and limit");
    ok(n == 2 && u[1].uid == 61001 && u[1].bytes == 1400 &&
           u[1].maxbytes == 20000,
       "a user's bytes and limit");
    free(u);
}

/* The room left: from the uid's line, else the limits, else the defaults. */
static void
test_key_room(void)
{
    struct s4u_key_user users[] = {
        {0, 5, 1000000, 149, 25000000},
        {61001, 3, 200, 1400, 20000},
        {61002, 200, 200, 19000, 20000},
    };
    struct s4u_key_limits kl = {250, 30000, 1000000, 25000000, users, 3};
    struct s4u_key_limits unread = {-1, -1, -1, -1, NULL, 0};
    long keys = 0, bytes = 0;

    s4u_key_room_in(&kl, 61001, &keys, &bytes);
    ok(keys == 197 && bytes == 18600, "a uid's room: its limits less its use");
    s4u_key_room_in(&kl, 61002, &keys, &bytes);
    ok(keys == 0 && bytes == 1000, "a uid out of keys has no key room");
    s4u_key_room_in(&kl, 61003, &keys, &bytes);
    ok(keys == 250 && bytes == 30000,
       "a uid that owns no key yet: the per-user limits (the sysctls)");
    s4u_key_room_in(&kl, 0, &keys, &bytes);
    ok(keys == 999995 && bytes == 24999851, "root's own line");
    s4u_key_room_in(&unread, 61001, &keys, &bytes);
    ok(keys == S4U_KEY_DEFAULT_MAXKEYS && bytes == S4U_KEY_DEFAULT_MAXBYTES,
       "nothing readable: the kernel's defaults");
}

int
main(void)
{
    test_key_users();
    test_key_room();
    return tap_done();
}
