/*
 * fuzz_key_users.c: s4u_key_users_parse, the per-uid keyring usage read
 * from /proc/key-users before the helper writes a user's cache.  Any text
 * must parse (bad lines are skipped), with at most one entry per line.
 */
#include "lib/s4u_keyring.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    struct s4u_key_user *users = NULL;
    size_t n = 99, nlines = 1;
    const char *p;

    for (p = text; (p = strchr(p, '\n')) != NULL; p++)
        nlines++;
    FUZZ_ASSERT(s4u_key_users_parse(text, &users, &n) == 0);
    FUZZ_ASSERT(n <= nlines);
    FUZZ_ASSERT(n == 0 ? users == NULL : users != NULL);
    free(users);
    free(text);
    return 0;
}
