/*
 * fuzz_escape.c: s4u_escape makes untrusted text safe for a log line or a
 * terminal.  Whatever the input: the output is valid UTF-8 with no C0 or
 * C1 control, DEL, bidi control, line separator or BOM; escaping it again
 * changes nothing; and a smaller buffer gets a prefix of the full result,
 * NUL-terminated within its size.
 */
#include "lib/s4u.h"
#include "tests/fuzz/fuzz.h"

/* The output holds only characters a terminal shows as themselves. */
static void
check_safe(const char *out)
{
    const unsigned char *p = (const unsigned char *)out;
    unsigned int cp;
    size_t len;

    while (*p != '\0') {
        len = s4u_utf8_decode(p, &cp);
        FUZZ_ASSERT(len > 0);
        FUZZ_ASSERT(cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F));
        FUZZ_ASSERT(!(cp >= 0x2028 && cp <= 0x202E) &&
                    !(cp >= 0x2066 && cp <= 0x2069));
        FUZZ_ASSERT(cp != 0xFEFF && cp != 0x200E && cp != 0x200F &&
                    cp != 0x061C);
        p += len;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fuzz_cstr(data, size), *full, *again, small[17];
    size_t n;

    full = fuzz_must(s4u_escape_dup(in));
    check_safe(full);
    again = fuzz_must(s4u_escape_dup(full));
    FUZZ_ASSERT(strcmp(again, full) == 0);
    n = s4u_escape(small, sizeof(small), in);
    FUZZ_ASSERT(n < sizeof(small) && strlen(small) == n);
    FUZZ_ASSERT(strncmp(small, full, n) == 0);
    free(again);
    free(full);
    free(in);
    return 0;
}
