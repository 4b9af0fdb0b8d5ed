/*
 * fuzz_user_name.c: s4u_user_name_valid against an independent statement
 * of the rule: 1 to 255 bytes, not starting with '-' or '.', ASCII limited
 * to letters, digits, '.', '_' and '-', the rest well-formed UTF-8 (told
 * by the byte ranges allowed at each position, so no overlong forms,
 * surrogates or code points past U+10FFFF).
 */
#include <stdbool.h>

#include "lib/s4u.h"
#include "tests/fuzz/fuzz.h"

/* Length of the well-formed UTF-8 sequence at s, by byte ranges, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len, i;

    if (s[0] <= 0x7F)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4;
    else
        return 0;
    if (s[0] == 0xE0)
        lo = 0xA0;
    else if (s[0] == 0xED)
        hi = 0x9F;
    else if (s[0] == 0xF0)
        lo = 0x90;
    else if (s[0] == 0xF4)
        hi = 0x8F;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < len; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    }
    return len;
}

static bool
expected_valid(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t len = strlen(name), step;

    if (len == 0 || len > S4U_USER_MAX || name[0] == '-' || name[0] == '.')
        return false;
    for (; *p != '\0'; p += step) {
        step = utf8_len(p);
        if (step == 0)
            return false;
        if (step == 1 &&
            !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
            return false;
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *name = fuzz_cstr(data, size);
    const char *why = "unset";
    bool valid;

    valid = s4u_user_name_valid(name, &why);
    FUZZ_ASSERT(valid == expected_valid(name));
    FUZZ_ASSERT(valid ? why == NULL : why != NULL && *why != '\0');
    if (valid) {
        /* What the request and the cache name rely on. */
        FUZZ_ASSERT(strpbrk(name, "@/:$%\\ \t\n") == NULL);
        FUZZ_ASSERT(s4u_principal_text_valid(name, &why));
    }
    free(name);
    return 0;
}
