/*
 * fuzz_user_name.c: s4u_user_name_valid against an independent statement
 * of the rule: 1 to 255 bytes; an account part (not starting with '-' or
 * '.', ASCII limited to letters, digits, '.', '_' and '-', the rest
 * well-formed UTF-8, told by the byte ranges allowed at each position, so
 * no overlong forms, surrogates or code points past U+10FFFF), alone, or
 * followed by '@' and a DNS domain, or preceded by a NetBIOS domain and a
 * backslash.
 */
#include <stdbool.h>
#include <string.h>

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

/* An account part: not empty, not starting with '-' or '.', ASCII
 * letters, digits, '.', '_', '-', or well-formed UTF-8 beyond ASCII. */
static bool
account_ok(const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i, step;

    if (len == 0 || p[0] == '-' || p[0] == '.')
        return false;
    for (i = 0; i < len; i += step) {
        step = utf8_len(u + i);
        if (step == 0 || i + step > len)
            return false;
        if (step == 1 &&
            !((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') ||
              (u[i] >= '0' && u[i] <= '9') || u[i] == '.' || u[i] == '_' ||
              u[i] == '-'))
            return false;
    }
    return true;
}

/* A label: 1 to 63 ASCII letters, digits or '-'. */
static bool
label_ok(const char *p, size_t len)
{
    size_t i;

    if (len == 0 || len > 63)
        return false;
    for (i = 0; i < len; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
              (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
            return false;
    }
    return true;
}

/* A DNS domain: at most 253 bytes of labels joined by single dots. */
static bool
dns_ok(const char *p, size_t len)
{
    const char *end = p + len, *dot;

    if (len == 0 || len > 253)
        return false;
    for (;;) {
        dot = memchr(p, '.', (size_t)(end - p));
        if (dot == NULL)
            return label_ok(p, (size_t)(end - p));
        if (!label_ok(p, (size_t)(dot - p)))
            return false;
        p = dot + 1;
    }
}

/*
 * 1 to 255 bytes: an account part alone; or account@DNS-domain; or
 * NETBIOS\account with a NetBIOS domain of one label of at most 15 bytes.
 * Never more than one '@' or backslash in all.
 */
static bool
expected_valid(const char *name)
{
    size_t len = strlen(name), seps = 0, i;
    const char *sep;

    if (len == 0 || len > S4U_USER_MAX)
        return false;
    for (i = 0; i < len; i++)
        seps += name[i] == '@' || name[i] == '\\';
    if (seps > 1)
        return false;
    if (seps == 0)
        return account_ok(name, len);
    sep = strpbrk(name, "@\\");
    if (*sep == '@')
        return account_ok(name, (size_t)(sep - name)) &&
               dns_ok(sep + 1, strlen(sep + 1));
    return (size_t)(sep - name) <= 15 && label_ok(name, (size_t)(sep - name)) &&
           account_ok(sep + 1, strlen(sep + 1));
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
        FUZZ_ASSERT(strpbrk(name, "/:$% \t\n") == NULL);
        FUZZ_ASSERT(s4u_principal_text_valid(name, &why));
    }
    free(name);
    return 0;
}
