/*
 * fuzz_cache_name_ours.c: s4u_cache_name_ours, which decides what pam_s4u
 * may destroy at logout.  It must say yes only to a KEYRING:, FILE:/, KCM:
 * or DIR::/ name, at most 1024 bytes, that ends in ':' or '_', the marker and
 * 16 lower-case hex digits, with at least eight bytes before that separator.
 */
#include <stdbool.h>

#include "lib/s4u.h"
#include "tests/fuzz/fuzz.h"

static bool
expected_ours(const char *name)
{
    size_t len = strlen(name), tail_len, i;
    const char *tail;

    tail_len = 1 + strlen(S4U_CACHE_MARKER) + S4U_CACHE_MARKER_HEX;
    if (len > S4U_NAME_MAX || len < tail_len + 8)
        return false;
    if (strncmp(name, "KEYRING:", 8) != 0 && strncmp(name, "FILE:/", 6) != 0 &&
        strncmp(name, "KCM:", 4) != 0 && strncmp(name, "DIR::/", 6) != 0)
        return false;
    tail = name + len - tail_len;
    if (tail[0] != ':' && tail[0] != '_')
        return false;
    if (memcmp(tail + 1, S4U_CACHE_MARKER, strlen(S4U_CACHE_MARKER)) != 0)
        return false;
    for (i = 1 + strlen(S4U_CACHE_MARKER); i < tail_len; i++) {
        if (strchr("0123456789abcdef", tail[i]) == NULL)
            return false;
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *name = fuzz_cstr(data, size);

    FUZZ_ASSERT(s4u_cache_name_ours(name) == expected_ours(name));
    free(name);
    return 0;
}
