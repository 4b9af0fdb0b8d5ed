/*
 * fuzz_sanitize.c: s4u_sanitize makes text safe for one log or wire field.
 * Afterwards no control character or DEL is left, the length is the same,
 * and every other byte is untouched.
 */
#include "lib/s4u.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *before = fuzz_cstr(data, size), *after;
    size_t len = strlen(before), i;

    after = fuzz_must(strdup(before));
    s4u_sanitize(after);
    FUZZ_ASSERT(strlen(after) == len);
    for (i = 0; i < len; i++) {
        unsigned char b = (unsigned char)before[i];
        unsigned char a = (unsigned char)after[i];

        if (b < 0x20 || b == 0x7F)
            FUZZ_ASSERT(a == ' ');
        else
            FUZZ_ASSERT(a == b);
    }
    free(after);
    free(before);
    return 0;
}
