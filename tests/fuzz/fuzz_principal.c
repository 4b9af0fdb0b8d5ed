/*
 * fuzz_principal.c: s4u_principal_text_valid, the bound and check on a
 * principal's text before Kerberos parses it: 1 to 1024 bytes, no space,
 * comma, control character or DEL.
 */
#include <stdbool.h>

#include "lib/s4u.h"
#include "tests/fuzz/fuzz.h"

static bool
expected_valid(const char *text)
{
    size_t len = strlen(text), i;

    if (len == 0 || len > S4U_NAME_MAX)
        return false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c <= 0x20 || c == 0x7F || c == ',')
            return false;
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    const char *why = "unset";
    bool valid;

    valid = s4u_principal_text_valid(text, &why);
    FUZZ_ASSERT(valid == expected_valid(text));
    FUZZ_ASSERT(valid ? why == NULL : why != NULL && *why != '\0');
    free(text);
    return 0;
}
